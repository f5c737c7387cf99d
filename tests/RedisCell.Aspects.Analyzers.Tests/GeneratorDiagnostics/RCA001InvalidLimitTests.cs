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
    public Task Numbers_in_range_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(0, 1, 1)]
            public static void Smallest() { }

            [RatePerSecond(1)]
            public static void OnePerSecond() { }
        }
        """);
}
