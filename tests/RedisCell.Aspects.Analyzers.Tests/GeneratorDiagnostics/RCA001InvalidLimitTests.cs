using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.Gcra;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA001InvalidLimitTests
{
    [Fact]
    public Task Out_of_range_numbers_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|RCA001:Gcra(-1, 30, 60)|}]
            public static void NegativeBurst() { }

            [{|RCA001:RatePerSecond(0)|}]
            public static void NoRate() { }

            [{|RCA001:Throttle("k", 15, 0, 60)|}]
            public static void NoCount() { }
        }
        """);

    [Fact]
    public Task Periods_and_counts_below_one_are_errors_that_name_the_number() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:Gcra(1, 10, 0)|}]
            public static void NoPeriod() { }

            [{|#1:Throttle("user:{id}", 1, 10, -60)|}]
            public static void NegativePeriod(int id) { }

            [{|#2:Gcra(1, 0, 60)|}]
            public static void NoCount() { }

            [{|#3:Gcra(1, -5, 60, Key = "k")|}]
            public static void NegativeCount() { }
        }
        """,
        Invalid(0, "Gcra", "Api.NoPeriod()", 1, 10, 0),
        Invalid(1, "Throttle", "Api.NegativePeriod(int)", 1, 10, -60),
        Invalid(2, "Gcra", "Api.NoCount()", 1, 0, 60),
        Invalid(3, "Gcra", "Api.NegativeCount()", 1, -5, 60));

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Invalid(int markup, string attribute, string method, long maxBurst, long count, long period)
    {
        string problem = GcraPolicy.Check(maxBurst, count, period)!;
        Assert.Contains(count < 1 ? "count must be" : "period must be", problem, StringComparison.Ordinal);
        return GeneratorDiagnosticVerifier.Expect("RCA001", DiagnosticSeverity.Error, markup).WithMessage($"[{attribute}] on '{method}': {problem}");
    }

    [Fact]
    public Task Tolerance_overflow_rate_too_high_and_empty_budgets_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            // T * (max_burst + 1) = 9.2e18 ns * 2 does not fit in 63 bits.
            [{|#0:Gcra(1, 1, 9223372036)|}]
            public static void ToleranceOverflows() { }

            // 1 s / 10,000,000 is an emission interval of 100 ns, under the microsecond GCRA keeps.
            [{|RCA001:Gcra(0, 10000000, 1)|}]
            public static void TooFast() { }

            [{|RCA001:TokenBudget("user:{id}", 0, Cost = nameof(tokens))|}]
            public static void EmptyBudget(string id, int tokens) { }

            [{|RCA001:RatePerSecond(-5)|}]
            public static void NegativeRate() { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA001", DiagnosticSeverity.Error, 0)
            .WithMessage("[Gcra] on 'Api.ToleranceOverflows()': " + GcraPolicy.Check(1, 1, 9223372036)));

    [Fact]
    public Task Numbers_in_range_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(0, 1, 1)]
            public static void Smallest() { }

            [RatePerSecond(1)]
            public static void OnePerSecond() { }

            // A day-long period with a large burst still fits.
            [Gcra(100000, 1, 86400)]
            public static void LongPeriod() { }

            // Exactly one microsecond per request.
            [Gcra(0, 1000000, 1)]
            public static void FastestRate() { }

            [TokenBudget("user:{id}", 1, Cost = nameof(tokens))]
            public static void SmallestBudget(string id, int tokens) { }
        }
        """);
}
