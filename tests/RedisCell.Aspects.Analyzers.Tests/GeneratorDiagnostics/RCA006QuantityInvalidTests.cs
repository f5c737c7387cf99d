using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA006QuantityInvalidTests
{
    [Fact]
    public Task Missing_non_integer_and_out_parameters_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:TokenBudget("user:{userId}", 5000, Cost = "tokens")|}]
            public static void Missing(string userId, int tokenCount) { }

            [{|#1:Throttle("user:{userId}", 15, 30, 60, Quantity = nameof(weight))|}]
            public static void NotInteger(string userId, double weight) { }

            [{|RCA006:Gcra(15, 30, 60, Quantity = nameof(count))|}]
            public static void Out(out int count) => count = 1;

            [{|RCA006:RatePerSecond(10, Quantity = nameof(name))|}]
            public static void Text(string name) { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA006", DiagnosticSeverity.Error, 0)
            .WithArguments("Cost", "tokens", "Api.Missing(string, int)", "names no parameter of the method"),
        GeneratorDiagnosticVerifier.Expect("RCA006", DiagnosticSeverity.Error, 1)
            .WithArguments("Quantity", "weight", "Api.NotInteger(string, double)", "names 'weight' of type 'double', which is not an integer type"));

    [Fact]
    public Task Every_integer_type_is_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [TokenBudget("user:{userId}", 5000, Cost = nameof(tokens))]
            public static void Int(string userId, int tokens) { }

            [Gcra(15, 30, 60, Quantity = nameof(units))]
            public static void Long(long units) { }

            [Gcra(15, 30, 60, Quantity = nameof(units))]
            public static void Unsigned(ulong units) { }

            [Gcra(15, 30, 60, Quantity = nameof(units))]
            public static void Small(byte units) { }

            [Gcra(15, 30, 60, Quantity = nameof(units))]
            public static void Native(nint units) { }

            [Gcra(15, 30, 60, Quantity = "@units")]
            public static void Escaped(int units) { }
        }
        """);
}
