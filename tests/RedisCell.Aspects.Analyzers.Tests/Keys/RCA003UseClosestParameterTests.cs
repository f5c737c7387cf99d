extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Parsing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Keys;

/// <summary>The code fix for the generator's RCA003: "Use parameter 'x'".</summary>
public sealed class RCA003UseClosestParameterTests
{
    [Fact]
    public Task Misspelt_name_becomes_the_closest_parameter_in_every_hole() =>
        GeneratorDiagnosticFixVerifier<KeyTemplateUnknownParameterCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            public static class Api
            {
                [{|RCA003:Throttle("user:{usr}:{usr.Length}:<usr>", 15, 30, 60)|}]
                public static void M(string user, int count) { }
            }
            """, """
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle("user:{user}:{user.Length}:<user>", 15, 30, 60)]
                public static void M(string user, int count) { }
            }
            """);

    [Fact]
    public Task Case_insensitive_match_wins_over_edit_distance() =>
        GeneratorDiagnosticFixVerifier<KeyTemplateUnknownParameterCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            public static class Api
            {
                [{|RCA003:Gcra(15, 30, 60, Key = @"tenant:{UserID}")|}]
                public static void M(string userId, string userIe) { }
            }
            """, """
            using RedisCell.Aspects;

            public static class Api
            {
                [Gcra(15, 30, 60, Key = @"tenant:{userId}")]
                public static void M(string userId, string userIe) { }
            }
            """);

    [Fact]
    public Task Keyword_parameter_is_written_with_at() =>
        GeneratorDiagnosticFixVerifier<KeyTemplateUnknownParameterCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            public static class Api
            {
                [{|RCA003:Throttle("e:{evnt}", 15, 30, 60)|}]
                public static void M(string @event) { }
            }
            """, """
            using RedisCell.Aspects;

            public static class Api
            {
                [Throttle("e:{@event}", 15, 30, 60)]
                public static void M(string @event) { }
            }
            """);

    [Fact]
    public Task Each_unknown_name_is_fixed_on_its_own() =>
        GeneratorDiagnosticFixVerifier<KeyTemplateUnknownParameterCodeFix>.VerifyAsync("""
            using RedisCell.Aspects;

            public static class Api
            {
                [{|RCA003:{|RCA003:TokenBudget("{tenat}:{usr}", 5000)|}|}]
                public static void M(string tenant, string user) { }
            }
            """, """
            using RedisCell.Aspects;

            public static class Api
            {
                [TokenBudget("{tenant}:{user}", 5000)]
                public static void M(string tenant, string user) { }
            }
            """);

    /// <summary>Nothing is close to "id" among these parameters: no fix is offered.</summary>
    [Fact]
    public Task No_fix_when_no_parameter_is_close()
    {
        const string Source = """
            using RedisCell.Aspects;

            public static class Api
            {
                [{|RCA003:Throttle("user:{id}", 15, 30, 60)|}]
                public static void M(string customerName, int amount) { }
            }
            """;
        return GeneratorDiagnosticFixVerifier<KeyTemplateUnknownParameterCodeFix>.VerifyAsync(Source, Source);
    }

    [Fact]
    public void Distance_threshold_grows_with_the_name()
    {
        Assert.Equal(["user"], ClosestName.For("usr", ["user", "count"]));
        Assert.Equal(["tenantId"], ClosestName.For("tenantID", ["tenantId", "tenant"]));
        Assert.Equal(["customerId"], ClosestName.For("custmerIdd", ["customerId"]));
        Assert.Empty(ClosestName.For("id", ["userId"]));
        Assert.Empty(ClosestName.For("abc", ["xyz"]));
        Assert.Equal(["cat", "car"], ClosestName.For("cau", ["cat", "car"]));
    }
}
