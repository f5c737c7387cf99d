using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

[Collection(SharedLimiterCollection.Name)]
public sealed class InterceptorBehaviourTests
{
    private const string Source = """
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public static class Api
        {
            [Gcra(2, 1, 60)]
            public static int Lookup(int id) => id * 2;
        }

        public static class Scenarios
        {
            public static Task StaticSync() { if (Api.Lookup(21) != 42) throw new InvalidOperationException(); return Task.CompletedTask; }
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() => LoadedAssembly.Load(GeneratorHarness.RunClean(Source).Output));

    public static TheoryData<string> Engines() => SharedLimiter.Engines();

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Static_sync_method_is_limited(string engine)
    {
        await using CellLimiter limiter = await SharedLimiter.ConfigureAsync(engine, Throttling.NewClock());
        var call = s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", "StaticSync");
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, allowed: 3, TimeSpan.FromSeconds(60), call);
        Assert.Equal("Consumer.Api.Lookup(int)", refused.Key);
    }
}
