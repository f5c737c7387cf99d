using System.Threading.RateLimiting;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using RedisCell.Aspects.RateLimiting;
using StackExchange.Redis;

namespace RedisCell.Aspects.Ecosystem.Tests.RateLimiting;

/// <summary>
/// What a synchronous AttemptAcquire may do. StackExchange.Redis reads every reply on the thread
/// pool, so a thread-pool thread waiting for Redis holds one pool thread and needs another: by
/// default a Redis-backed AttemptAcquire on the pool answers at once without deciding, and callers
/// (ASP.NET Core's middleware) go on to AcquireAsync. Everywhere else it decides.
/// </summary>
public sealed class SynchronousAcquireTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task OnAThreadPoolThreadItDefersInsteadOfWaitingForRedis(string engine)
    {
        (RedisCellLimiter store, string prefix) = await StoreAsync(engine, "pool");
        using RedisCellLimiter owned = store;
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });

        using RateLimitLease deferred = await Task.Run(() => limiter.AttemptAcquire());
        Assert.False(deferred.IsAcquired);
        Assert.True(deferred.TryGetMetadata(CellLeaseMetadata.Deferred, out bool isDeferred) && isDeferred);
        Assert.False(deferred.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));
        Assert.True(deferred.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
        Assert.Contains("call AcquireAsync", reason);

        // No round trip was made, so nothing was consumed.
        Assert.False(await store.Connection.GetDatabase().KeyExistsAsync(prefix + "k"));
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        Assert.False((await limiter.AcquireAsync()).IsAcquired);
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task OffTheThreadPoolItDecidesWithOneRoundTrip(string engine)
    {
        (RedisCellLimiter store, string prefix) = await StoreAsync(engine, "dedicated");
        using RedisCellLimiter owned = store;
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });

        bool[] acquired = Threads.OnDedicatedThread(() => new[] { limiter.AttemptAcquire().IsAcquired, limiter.AttemptAcquire().IsAcquired, limiter.AttemptAcquire().IsAcquired });
        Assert.Equal([true, true, false], acquired);
        Assert.True(await store.Connection.GetDatabase().KeyExistsAsync(prefix + "k"));
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task AlwaysDecideDecidesOnThePoolToo(string engine)
    {
        (RedisCellLimiter store, _) = await StoreAsync(engine, "always");
        using RedisCellLimiter owned = store;
        using var limiter = new CellPartitionedRateLimiter<string>(
            user => new RateLimitRule(TwoPerMinute, user),
            new CellRateLimiterOptions { Limiter = store, AttemptAcquireBehavior = AttemptAcquireBehavior.AlwaysDecide });
        bool[] acquired = await Task.Run(() => new[] { limiter.AttemptAcquire("a").IsAcquired, limiter.AttemptAcquire("a").IsAcquired, limiter.AttemptAcquire("a").IsAcquired });
        Assert.Equal([true, true, false], acquired);
    }

    [Fact]
    public async Task TheInProcessLimiterDecidesOnAnyThreadBecauseItMakesNoRoundTrip()
    {
        using var store = new InProcessCellLimiter();
        using var limiter = new CellPartitionedRateLimiter<string>(user => new RateLimitRule(TwoPerMinute, user), new CellRateLimiterOptions { Limiter = store });
        bool[] acquired = await Task.Run(() => new[] { limiter.AttemptAcquire("a").IsAcquired, limiter.AttemptAcquire("a").IsAcquired, limiter.AttemptAcquire("a").IsAcquired });
        Assert.Equal([true, true, false], acquired);
    }

    private static async Task<(RedisCellLimiter Store, string Prefix)> StoreAsync(string engine, string test)
    {
        string prefix = Servers.UniquePrefix(test);
        IConnectionMultiplexer connection = await Servers.ConnectionAsync(engine);
        return (new RedisCellLimiter(connection, Servers.Options(prefix)), prefix);
    }
}
