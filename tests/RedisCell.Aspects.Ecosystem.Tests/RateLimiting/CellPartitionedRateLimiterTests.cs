using System.Threading.RateLimiting;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using RedisCell.Aspects.RateLimiting;

namespace RedisCell.Aspects.Ecosystem.Tests.RateLimiting;

public sealed class CellPartitionedRateLimiterTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);

    private sealed record Request(string User, long EstimatedTokens);

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task EachResourceIsLimitedUnderItsOwnKey(string engine)
    {
        using var store = new RedisCellLimiter(await Servers.ConnectionAsync(engine), Servers.Options(Servers.UniquePrefix("partitioned")));
        using var limiter = new CellPartitionedRateLimiter<Request>(
            request => new RateLimitRule(TwoPerMinute, RateLimitKey.Create($"user:{request.User}")),
            new CellRateLimiterOptions { Limiter = store });

        var alice = new Request("alice", 0);
        Assert.True((await limiter.AcquireAsync(alice)).IsAcquired);
        Assert.True(Threads.OnDedicatedThread(() => limiter.AttemptAcquire(alice)).IsAcquired);
        RateLimitLease refused = await limiter.AcquireAsync(alice);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter));
        Assert.True(retryAfter > TimeSpan.FromSeconds(50));

        // Another user, and a user id with a separator in it, are other keys.
        Assert.True((await limiter.AcquireAsync(new Request("bob", 0))).IsAcquired);
        Assert.True((await limiter.AcquireAsync(new Request("alice:2", 0))).IsAcquired);
        Assert.Null(limiter.GetStatistics(alice));
    }

    [Fact]
    public async Task APermitCostsTheRulesQuantity()
    {
        using var store = new InProcessCellLimiter();
        FixedWindowPolicy budget = FixedWindowPolicy.TokensPerMinute(1000);
        using var limiter = new CellPartitionedRateLimiter<Request>(
            request => new RateLimitRule(budget, "tokens:" + request.User, request.EstimatedTokens),
            new CellRateLimiterOptions { Limiter = store });

        RateLimitLease first = await limiter.AcquireAsync(new Request("carol", 600));
        Assert.True(first.IsAcquired);
        Assert.True(first.TryGetMetadata(CellLeaseMetadata.Result, out RateLimitResult afterFirst));
        Assert.Equal(400, afterFirst.Remaining);

        // Two permits of 300 tokens each: 600 > 400 left.
        RateLimitLease twice = await limiter.AcquireAsync(new Request("carol", 300), permitCount: 2);
        Assert.False(twice.IsAcquired);
        Assert.True(twice.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));
        Assert.True((await limiter.AcquireAsync(new Request("carol", 400))).IsAcquired);
    }

    [Fact]
    public void ADefaultRuleFromThePartitionerIsAProgrammingError()
    {
        using var limiter = new CellPartitionedRateLimiter<string>(_ => default, new CellRateLimiterOptions { Limiter = new InProcessCellLimiter() });
        var error = Assert.Throws<InvalidOperationException>(() => limiter.AttemptAcquire("x"));
        Assert.Contains("RateLimitRule constructor", error.Message);
    }

    [Fact]
    public async Task PartitionsWorkInTheFrameworksPartitionedLimiter()
    {
        using var store = new InProcessCellLimiter();
        var options = new CellRateLimiterOptions { Limiter = store };
        using PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(
            user => CellRateLimitPartition.Get(user, TwoPerMinute, u => $"api:{u}", options));
        Assert.True((await limiter.AcquireAsync("erin")).IsAcquired);
        Assert.True((await limiter.AcquireAsync("erin")).IsAcquired);
        Assert.False((await limiter.AcquireAsync("erin")).IsAcquired);
        Assert.True((await limiter.AcquireAsync("frank")).IsAcquired);
        Assert.Equal(2, store.Count);
    }
}
