using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using RedisCell.Aspects.RateLimiting;

namespace RedisCell.Aspects.Ecosystem.Tests.RateLimiting;

public sealed class CellRateLimiterTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task RejectedLeasesCarryRetryAfterAndTheStoresAnswer(string engine)
    {
        using var store = new RedisCellLimiter(await Servers.ConnectionAsync(engine), Servers.Options(Servers.UniquePrefix("lease")));
        using var limiter = new CellRateLimiter(TwoPerMinute, "user:1", new CellRateLimiterOptions { Limiter = store });

        using RateLimitLease first = await limiter.AcquireAsync();
        using RateLimitLease second = Threads.OnDedicatedThread(() => limiter.AttemptAcquire());
        using RateLimitLease third = await limiter.AcquireAsync();

        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(third.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter));

        // One emission interval (60 s) less the moments since the first call, on the server's clock.
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.True(third.TryGetMetadata(CellLeaseMetadata.Result, out RateLimitResult result));
        Assert.Equal(2, result.Limit);
        Assert.Equal(0, result.Remaining);
        Assert.Equal(retryAfter, result.RetryAfter);
        Assert.True(third.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
        Assert.Contains("Rate limit exceeded for 'user:1'", reason);
        Assert.Equal([MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name, CellLeaseMetadata.Result.Name], third.MetadataNames);

        // An acquired lease carries the answer too, and nothing to give back.
        Assert.True(second.TryGetMetadata(CellLeaseMetadata.Result, out RateLimitResult allowed));
        Assert.Equal(0, allowed.Remaining);
        Assert.False(second.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));

        RateLimiterStatistics statistics = limiter.GetStatistics()!;
        Assert.Equal(2, statistics.TotalSuccessfulLeases);
        Assert.Equal(1, statistics.TotalFailedLeases);
        Assert.Equal(0, statistics.CurrentAvailablePermits);
        Assert.Equal(0, statistics.CurrentQueuedCount);
    }

    [Fact]
    public async Task RetryAfterIsExactOnAFixedClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        using var store = new InProcessCellLimiter(time);
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        RateLimitLease refused = await limiter.AcquireAsync();
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(50), retryAfter);
        time.Advance(retryAfter);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public async Task ARequestLargerThanTheWholeLimitIsRefusedWithNoRetryAfter()
    {
        using var store = new InProcessCellLimiter();
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });
        using RateLimitLease lease = await limiter.AcquireAsync(3);
        Assert.False(lease.IsAcquired);
        Assert.False(lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));
        Assert.True(lease.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
        Assert.Contains("can never pass", reason);

        // Nothing was consumed.
        Assert.True(limiter.AttemptAcquire(2).IsAcquired);
    }

    [Fact]
    public void ZeroPermitsReadsTheStateWithoutConsuming()
    {
        using var store = new InProcessCellLimiter();
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });
        Assert.True(limiter.AttemptAcquire(0).IsAcquired);
        Assert.True(limiter.AttemptAcquire(0).IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        using RateLimitLease none = limiter.AttemptAcquire(0);
        Assert.False(none.IsAcquired);
        Assert.True(none.TryGetMetadata(CellLeaseMetadata.Result, out RateLimitResult result));
        Assert.Equal(0, result.Remaining);
    }

    [Fact]
    public async Task WithoutALimiterTheSharedOneDecidesAtEachCall()
    {
        using var first = new InProcessCellLimiter();
        using var second = new InProcessCellLimiter();
        CellLimiter? previous = SharedLimiter.Configure(first);
        try
        {
            using var limiter = new CellRateLimiter(TwoPerMinute, "shared-key");
            Assert.True((await limiter.AcquireAsync()).IsAcquired);
            SharedLimiter.Configure(second);
            Assert.True((await limiter.AcquireAsync()).IsAcquired);
            Assert.Equal(1, first.Count);
            Assert.Equal(1, second.Count);
        }
        finally
        {
            if (previous is not null) SharedLimiter.Configure(previous);
        }
    }

    [Fact]
    public async Task ADisposedLimiterRefusesToWork()
    {
        using var store = new InProcessCellLimiter();
        var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });
        await limiter.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => limiter.AttemptAcquire());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await limiter.AcquireAsync());
    }

    [Fact]
    public void IdleDurationIsTheTimeSinceTheLastDecision()
    {
        using var store = new InProcessCellLimiter();
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = store });
        limiter.AttemptAcquire();
        TimeSpan justAfter = limiter.IdleDuration!.Value;
        Thread.Sleep(50);
        Assert.True(limiter.IdleDuration!.Value >= justAfter + TimeSpan.FromMilliseconds(40));
    }

    [Fact]
    public void BadArgumentsAreRefusedUpFront()
    {
        Assert.Throws<ArgumentNullException>(() => new CellRateLimiter(null!, "k"));
        Assert.Throws<ArgumentException>(() => new CellRateLimiter(TwoPerMinute, ""));
        Assert.Throws<ArgumentException>(() => new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { AttemptAcquireBehavior = (AttemptAcquireBehavior)7 }));
        using var limiter = new CellRateLimiter(TwoPerMinute, "k", new CellRateLimiterOptions { Limiter = new InProcessCellLimiter() });
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.AttemptAcquire(-1));
    }
}
