using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

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
