extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Keys;

public sealed class RCA017KeyTemplateAngleAliasTests
{
    [Fact]
    public Task Angle_alias_is_reported_at_the_template() => AnalyzerVerifier<KeyTemplateAngleAliasAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle({|RCA017:"user:<userId>"|}, 15, 30, 60)]
            public static void Throttled(string userId) { }

            [Gcra(15, 30, 60, Key = {|RCA017:"tenant:{tenant}:<user>"|})]
            public static void Keyed(string tenant, string user) { }

            [TokenBudget(key: {|RCA017:"<request.Tenant>"|}, 5000)]
            public static void Budget(Request request) { }
        }

        public sealed record Request(string Tenant);
        """);

    /// <summary>With the generator running, as in a build: the part it writes must not hide the method.</summary>
    [Fact]
    public Task Angle_alias_on_a_partial_mode_method_is_reported_once() => AnalyzerVerifier<KeyTemplateAngleAliasAnalyzer>.VerifyWithGeneratorAsync("""
        using RedisCell.Aspects;

        public partial class Api
        {
            [Throttle({|RCA017:"user:<userId>"|}, 15, 30, 60)]
            public partial void Throttled(string userId);

            private void ThrottledCore(string userId) { }
        }
        """);

    [Fact]
    public Task Braces_and_literal_angle_brackets_are_not_reported() => AnalyzerVerifier<KeyTemplateAngleAliasAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public static void Braces(string userId) { }

            [Throttle("cmp:<=:{userId}", 15, 30, 60)]
            public static void LiteralAngle(string userId) { }

            [Gcra(15, 30, 60)]
            public static void NoKey() { }

            [Throttle("broken:{<id>", 15, 30, 60)]
            public static void MalformedIsTheGeneratorsToReport(string id) { }
        }
        """);

    [Fact]
    public Task Fix_rewrites_every_alias_and_keeps_escaped_braces() =>
        CodeFixVerifier<KeyTemplateAngleAliasAnalyzer, KeyTemplateAngleAliasCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle({|RCA017:"{{tag}}:cmp<=:<tenant>:<user.Name>:{id}"|}, 15, 30, 60)]
                public static void M(string tenant, User user, int id) { }
            }

            public sealed record User(string Name);
            """, """
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle("{{tag}}:cmp<=:{tenant}:{user.Name}:{id}", 15, 30, 60)]
                public static void M(string tenant, User user, int id) { }
            }

            public sealed record User(string Name);
            """);

    [Fact]
    public Task Fix_keeps_verbatim_and_raw_literals_in_their_form() =>
        CodeFixVerifier<KeyTemplateAngleAliasAnalyzer, KeyTemplateAngleAliasCodeFix>.VerifyAsync(""""
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle({|RCA017:@"C:\""<id>"""|}, 15, 30, 60)]
                public static void Verbatim(int id) { }

                [Throttle({|RCA017:"""a"<id>"b"""|}, 15, 30, 60)]
                public static void RawSingleLine(int id) { }

                [Throttle({|RCA017:"""
                    user:<id>
                    """|}, 15, 30, 60)]
                public static void RawMultiLine(int id) { }

                [Throttle({|RCA017:"\t<id>\u0021"|}, 15, 30, 60)]
                public static void Escapes(int id) { }
            }
            """", """"
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle(@"C:\""{id}""", 15, 30, 60)]
                public static void Verbatim(int id) { }

                [Throttle("""a"{id}"b""", 15, 30, 60)]
                public static void RawSingleLine(int id) { }

                [Throttle("""
                    user:{id}
                    """, 15, 30, 60)]
                public static void RawMultiLine(int id) { }

                [Throttle("\t{id}\u0021", 15, 30, 60)]
                public static void Escapes(int id) { }
            }
            """");

    /// <summary>
    /// A hole whose angle bracket is an escape sequence, or a template from a constant, cannot be
    /// edited in place: the diagnostic stays and no fix is offered (the fixed code is the input).
    /// </summary>
    [Fact]
    public Task No_fix_for_escaped_holes_or_constants()
    {
        const string Source = """
            using RedisCell.Aspects;

            public static class Api
            {
                private const string Template = "user:<id>";

                [Throttle({|RCA017:"\u003Cid>"|}, 15, 30, 60)]
                public static void Escaped(int id) { }

                [Throttle({|RCA017:Template|}, 15, 30, 60)]
                public static void Constant(int id) { }
            }
            """;
        return CodeFixVerifier<KeyTemplateAngleAliasAnalyzer, KeyTemplateAngleAliasCodeFix>.VerifyAsync(Source, Source);
    }
}
