using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA002KeyTemplateMalformedTests
{
    [Fact]
    public Task Unbalanced_braces_empty_holes_and_empty_keys_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:Throttle("user:{userId", 15, 30, 60)|}]
            public static void Unclosed(string userId) { }

            [{|RCA002:Throttle("user:}", 15, 30, 60)|}]
            public static void StrayClose() { }

            [{|RCA002:Gcra(15, 30, 60, Key = "user:{}")|}]
            public static void EmptyHole() { }

            [{|RCA002:TokenBudget("{user-id}", 5000)|}]
            public static void NotAnIdentifier(string userId) { }

            [{|RCA002:RatePerSecond(5, Key = "")|}]
            public static void Empty() { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA002", DiagnosticSeverity.Error, 0)
            .WithArguments("user:{userId", "Api.Unclosed(string)", "the '{' at position 5 is never closed; write '{{' for a literal brace"));

    [Fact]
    public Task Escaped_braces_hash_tags_and_literal_angle_brackets_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle("{{user:{userId}}}", 15, 30, 60)]
            public static void HashTag(string userId) { }

            [Throttle("a<b:{userId}:>", 15, 30, 60)]
            public static void AngleText(string userId) { }

            [Throttle("user:<userId>", 15, 30, 60)]
            public static void Alias(string userId) { }

            [Throttle("constant", 15, 30, 60)]
            public static void NoHoles() { }
        }
        """);
}
