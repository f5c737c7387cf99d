using RedisCell.Aspects.Tests.Infrastructure;

namespace RedisCell.Aspects.Tests.Runtime;

public sealed class InProcessLimiterTests
{
    [Fact]
    public void Steady_decisions_allocate_nothing_per_call()
    {
        // A key so fast that its state lives under a millisecond (deleted after every call, as in
        // Redis), a key that keeps state, a limited key and a fixed window.
        using var limiter = new InProcessCellLimiter();
        RateLimitRule[] rules =
        [
            new(new GcraPolicy(1_000_000, 1_000_000, 1), "fast"),
            new(new GcraPolicy(1_000_000, 1, 1), "kept"),
            new(new GcraPolicy(0, 1, 3600), "limited"),
            new(FixedWindowPolicy.PerSecond(1_000_000_000), "window"),
        ];
        foreach (RateLimitRule rule in rules)
        {
            for (int i = 0; i < 100; i++) limiter.Check(rule);

            // The sweep of expired keys, once per few thousand calls, allocates its enumerator: under
            // a tenth of a byte per decision. Anything per call would be at least 24 bytes.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) limiter.Check(rule);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 1_000, $"{rule.Key}: {allocated} bytes for 10,000 decisions");
        }
    }

    [Fact]
    public void ExpiredKeysAreSweptSoMemoryFollowsTheKeysInUse()
    {
        var clock = Limiters.FakeClock();
        using var limiter = new InProcessCellLimiter(clock);
        var policy = new GcraPolicy(0, 1, 1);
        for (int i = 0; i < 20_000; i++) limiter.Check(new RateLimitRule(policy, "user:" + i));
        Assert.Equal(20_000, limiter.Count);

        clock.Advance(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 25_000; i++) limiter.Check(new RateLimitRule(policy, "hot"));
        Assert.True(limiter.Count <= 2, $"{limiter.Count} keys held after every other key expired");
    }

    [Fact]
    public void KeysExpireByRedissMillisecondRule()
    {
        var clock = Limiters.FakeClock();
        using var limiter = new InProcessCellLimiter(clock);
        clock.Advance(TimeSpan.FromTicks(9_999)); // 0.9999 ms into a millisecond
        limiter.Check(new RateLimitRule(new GcraPolicy(0, 1, 1), "k"));

        // TTL 1000 ms from a write in millisecond 0: alive through millisecond 1000, gone at 1001.
        Assert.Equal(1000, limiter.Inspect("k").PttlMilliseconds);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(999, limiter.Inspect("k").PttlMilliseconds);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, limiter.Inspect("k").PttlMilliseconds);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((null, -2), limiter.Inspect("k"));
    }

    [Fact]
    public void ResetForgetsOneKey()
    {
        using var limiter = new InProcessCellLimiter();
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 3600), "k");
        var other = new RateLimitRule(new GcraPolicy(0, 1, 3600), "other");
        limiter.Check(rule);
        limiter.Check(other);
        Assert.True(limiter.Check(rule).Limited);
        limiter.Reset("k");
        Assert.True(limiter.Check(rule).Allowed);
        Assert.True(limiter.Check(other).Limited);
    }

    [Fact]
    public async Task CancellationIsHonouredBeforeDeciding()
    {
        using var limiter = new InProcessCellLimiter();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.CheckAsync(new RateLimitRule(new GcraPolicy(0, 1, 1), "k"), cancelled.Token).AsTask());
        Assert.Equal(0, limiter.Count);
    }
}
