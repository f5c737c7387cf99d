using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA003KeyTemplateUnknownParameterTests
{
    [Fact]
    public Task A_name_that_is_no_parameter_is_an_error_once_per_template() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:Throttle("user:{usr}:{usr.Length}", 15, 30, 60)|}]
            public static void Misspelt(string user) { }

            [{|RCA003:Gcra(15, 30, 60, Key = "<tenant>")|}]
            public static void Alias(string user) { }

            [{|RCA003:{|RCA003:TokenBudget("{a}:{b}", 5000)|}|}]
            public static void TwoUnknown() { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA003", DiagnosticSeverity.Error, 0)
            .WithArguments("user:{usr}:{usr.Length}", "Api.Misspelt(string)", "usr", "; did you mean 'user'?"));

    /// <summary>The message names the parameters the code fix offers: as the fix writes them, all of an even tie, none when none is close.</summary>
    [Fact]
    public Task The_message_suggests_the_closest_parameters() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:Throttle("e:{evnt}", 15, 30, 60)|}]
            public static void Keyword(string @event) { }

            [{|#1:Throttle("c:{cau}", 15, 30, 60)|}]
            public static void Tie(string cat, string car, string cab) { }

            [{|#2:Throttle("u:{id}", 15, 30, 60)|}]
            public static void NoneClose(string customerName) { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA003", DiagnosticSeverity.Error, 0).WithArguments("e:{evnt}", "Api.Keyword(string)", "evnt", "; did you mean '@event'?"),
        GeneratorDiagnosticVerifier.Expect("RCA003", DiagnosticSeverity.Error, 1).WithArguments("c:{cau}", "Api.Tie(string, string, string)", "cau", "; did you mean 'cat', 'car' or 'cab'?"),
        GeneratorDiagnosticVerifier.Expect("RCA003", DiagnosticSeverity.Error, 2).WithArguments("u:{id}", "Api.NoneClose(string)", "id", ""));

    [Fact]
    public Task Parameters_including_keywords_and_the_receiver_of_extensions_are_found() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle("e:{@event}:{event}", 15, 30, 60)]
            public static void Keyword(string @event) { }

            [Throttle("s:{self}", 15, 30, 60)]
            public static void Extension(this string self) { }

            [Throttle("u:{User}", 15, 30, 60)]
            public static void CaseMatters(string User) { }
        }
        """);
}
