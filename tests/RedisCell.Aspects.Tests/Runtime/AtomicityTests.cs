using System.Collections.Concurrent;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// Many connections racing for one key get exactly what the limit allows. The limits here do not
/// refill during the test (one request per hour beyond the burst), so the exact count is known.
/// </summary>
public sealed class AtomicityTests
{
    private const int Connections = 8;
    private const int CallsPerConnection = 60;

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task GcraAllowsExactlyItsBurstAcrossConnections(string engine)
    {
        var policy = new GcraPolicy(maxBurst: 99, count: 1, periodSeconds: 3600);
        int allowed = await RaceAsync(engine, "atomic-gcra", limiter => limiter.CheckAsync(new RateLimitRule(policy, "hot")).AsTask());
        Assert.Equal(100, allowed);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task FixedWindowAllowsExactlyItsLimitAcrossConnections(string engine)
    {
        var policy = new FixedWindowPolicy(137, TimeSpan.FromMinutes(10));
        int allowed = await RaceAsync(engine, "atomic-window", limiter => limiter.CheckAsync(new RateLimitRule(policy, "hot")).AsTask());
        Assert.Equal(137, allowed);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task MultiRuleChecksStayAllOrNothingAcrossConnections(string engine)
    {
        var gcra = new GcraPolicy(maxBurst: 199, count: 1, periodSeconds: 3600);
        var window = new FixedWindowPolicy(50, TimeSpan.FromMinutes(10));
        string prefix = Engine.UniquePrefix("atomic-multi");
        int allowed = await RaceAsync(engine, prefix, limiter => limiter.CheckAsync(new[]
        {
            new RateLimitRule(gcra, "{m}user"), // one hash tag: the peek below reads the same key on a cluster
            new RateLimitRule(window, "{m}global"),
        }).AsTask(), prefixIsFinal: true);
        Assert.Equal(50, allowed);

        // The GCRA rule was consumed only by the 50 calls that passed: 150 of its 200 remain.
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        Assert.Equal(150, (await limiter.CheckAsync(new RateLimitRule(gcra, "{m}user", 0))).Remaining);
    }

    [Fact]
    public async Task TheTwinIsExactUnderThreads()
    {
        using var limiter = new InProcessCellLimiter();
        var policy = new GcraPolicy(maxBurst: 499, count: 1, periodSeconds: 3600);
        var window = new FixedWindowPolicy(300, TimeSpan.FromMinutes(10));
        int allowed = 0;
        await Parallel.ForAsync(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            RateLimitRule[] rules = i % 2 == 0
                ? [new RateLimitRule(policy, "user"), new RateLimitRule(window, "global")]
                : [new RateLimitRule(window, "global"), new RateLimitRule(policy, "user")];
            if (limiter.Check(rules).Allowed) Interlocked.Increment(ref allowed);
            return ValueTask.CompletedTask;
        });
        Assert.Equal(300, allowed);
        Assert.Equal(200, limiter.Check(new RateLimitRule(policy, "user", 0)).Remaining);
    }

    private static async Task<int> RaceAsync(string engine, string test, Func<CellLimiter, Task<RateLimitResult>> call, bool prefixIsFinal = false)
    {
        ConnectionMultiplexer shared = await Engine.ConnectionAsync(engine);
        string prefix = prefixIsFinal ? test : Engine.UniquePrefix(test);
        var connections = new List<ConnectionMultiplexer>();
        try
        {
            for (int i = 0; i < Connections; i++) connections.Add(await ConnectionMultiplexer.ConnectAsync(shared.Configuration));
            var limiters = connections.Select(c => new RedisCellLimiter(c, Engine.Options(prefix))).ToList();
            var outcomes = new ConcurrentBag<bool>();
            using var start = new ManualResetEventSlim();
            Task[] racers = limiters.Select(limiter => Task.Run(async () =>
            {
                start.Wait();
                var inFlight = new Task<RateLimitResult>[CallsPerConnection];
                for (int i = 0; i < CallsPerConnection; i++) inFlight[i] = call(limiter);
                foreach (RateLimitResult result in await Task.WhenAll(inFlight)) outcomes.Add(result.Allowed);
            })).ToArray();
            start.Set();
            await Task.WhenAll(racers);
            Assert.Equal(Connections * CallsPerConnection, outcomes.Count);
            return outcomes.Count(allowed => allowed);
        }
        finally
        {
            foreach (ConnectionMultiplexer connection in connections) await connection.DisposeAsync();
        }
    }
}
