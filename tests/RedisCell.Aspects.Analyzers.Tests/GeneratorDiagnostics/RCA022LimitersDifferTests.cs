using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA022LimitersDifferTests
{
    [Fact]
    public Task Attributes_naming_different_limiters_are_an_error() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(15, 30, 60, Limiter = "billing")]
            [RatePerSecond(100)]
            public static void {|RCA022:DefaultAndNamed|}() { }

            [Gcra(15, 30, 60, Limiter = "billing")]
            [RatePerSecond(100, Limiter = "sessions")]
            public static void {|RCA022:TwoNames|}() { }
        }
        """);

    [Fact]
    public Task One_limiter_for_all_attributes_is_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(15, 30, 60, Limiter = "billing")]
            [RatePerSecond(100, Limiter = "billing")]
            public static void SameName() { }

            [Gcra(15, 30, 60)]
            [RatePerSecond(100, Limiter = "")]
            public static void DefaultWrittenTwoWays() { }
        }
        """);
}
