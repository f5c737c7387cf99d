using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// <c>Limiter = "name"</c> sends a method's calls to the shared limiter registered under that name
/// (in interceptor and partial mode), and leaves the default shared limiter alone.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class NamedLimiterBehaviourTests
{
    private const string Source = """
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public static partial class Api
        {
            [Gcra(1, 1, 60, Limiter = "payments")]
            public static void Charge() { }

            [Throttle("refund:{account}", 1, 1, 60, Limiter = "payments")]
            public static partial Task RefundAsync(string account);

            private static Task RefundAsyncCore(string account) => Task.CompletedTask;

            [Gcra(1, 1, 60, Limiter = "never-registered")]
            public static void Orphan() { }
        }

        public static class Scenarios
        {
            public static Task Charge() { Api.Charge(); return Task.CompletedTask; }

            public static Task Refund() => Api.RefundAsync("acct-1");

            public static Task Orphan() { Api.Orphan(); return Task.CompletedTask; }
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() => LoadedAssembly.Load(GeneratorHarness.RunClean(Source).Output));

    [Theory]
    [InlineData("Charge", "Consumer.Api.Charge()")]
    [InlineData("Refund", "refund:acct-1")]
    public async Task Calls_go_to_the_named_limiter_only(string scenario, string key)
    {
        var clock = Throttling.NewClock();
        using var payments = new InProcessCellLimiter(clock);
        using var fallback = new InProcessCellLimiter(clock);
        CellLimiter? previousDefault = SharedLimiter.Configure(fallback);
        SharedLimiter.Configure("payments", payments);
        try
        {
            Func<Task> call = s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", scenario);
            RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(TestEngines.InProcess, 2, TimeSpan.FromSeconds(60), call);
            Assert.Equal(key, refused.Key);
            Assert.NotNull(payments.Inspect(key).Value);
            Assert.Null(fallback.Inspect(key).Value);
        }
        finally
        {
            if (previousDefault is not null) SharedLimiter.Configure(previousDefault);
        }
    }

    [Fact]
    public async Task An_unregistered_name_fails_with_how_to_register_it()
    {
        Func<Task> call = s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", "Orphan");
        InvalidOperationException missing = await Assert.ThrowsAsync<InvalidOperationException>(call);
        Assert.Contains("SharedLimiter.Configure(\"never-registered\", limiter)", missing.Message, StringComparison.Ordinal);
    }
}
