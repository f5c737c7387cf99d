using RedisCell.Aspects.Tests.Infrastructure;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>Several rules on one call: decided together, all or nothing.</summary>
public sealed class MultiRuleTests
{
    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ACallBlockedByOneRuleConsumesNothingFromTheOthers(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "multi");
        // One hash tag, so that on a cluster the keys share a slot as written and the single-rule
        // peeks below read the same keys (keys in different slots are co-located under a tag of the
        // call's own: see Reliability/ClusterTests).
        var perUser = new RateLimitRule(new GcraPolicy(9, 10, 60), "{1}user");
        var tokens = new RateLimitRule(FixedWindowPolicy.TokensPerMinute(100), "{1}tokens", 60);
        var perSecond = new RateLimitRule(FixedWindowPolicy.PerSecond(50), "{1}global");

        RateLimitResult first = await limiter.CheckAsync(new[] { perUser, tokens, perSecond });
        Assert.True(first.Allowed);
        Assert.Equal("{1}user", first.Rule.Key); // the least remaining: 9 of 10

        RateLimitResult second = await limiter.CheckAsync(new[] { perUser, tokens, perSecond });
        Assert.True(second.Limited);
        Assert.Equal("{1}tokens", second.Rule.Key);
        Assert.Equal(40, second.Remaining);

        // Nothing was consumed from the per-user GCRA or the per-second window by the refused call.
        Assert.Equal(9, (await limiter.CheckAsync(new RateLimitRule(perUser.Policy, perUser.Key, 0))).Remaining);
        Assert.Equal(49, (await limiter.CheckAsync(new RateLimitRule(perSecond.Policy, perSecond.Key, 0))).Remaining);

        var ex = Assert.Throws<RateLimitExceededException>(() => limiter.Acquire([perUser, tokens, perSecond]));
        Assert.Equal("{1}tokens", ex.Key);
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task TheLimitedRuleThatFreesUpLastDecides(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "multiretry");
        var soon = new RateLimitRule(new GcraPolicy(0, 60, 60), "soon"); // one per second
        var late = new RateLimitRule(new GcraPolicy(0, 1, 60), "late"); // one per minute
        Assert.True(limiter.Check([soon, late]).Allowed);
        RateLimitResult refused = limiter.Check([soon, late]);
        Assert.True(refused.Limited);
        Assert.Equal("late", refused.Rule.Key);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        await Assert.ThrowsAsync<RateLimitExceededException>(() => limiter.AcquireAsync(new[] { soon, late }).AsTask());
    }

    [Fact]
    public void TheTwinAppliesWritesLikeTheScriptWhenAKeyIsNamedTwice()
    {
        var clock = Limiters.FakeClock();
        using var limiter = new InProcessCellLimiter(clock);
        var window = FixedWindowPolicy.PerSecond(10);

        // A missing key named twice: both decisions see no key, both SET; the last write wins (as in multi.lua).
        Assert.True(limiter.Check([new RateLimitRule(window, "k", 2), new RateLimitRule(window, "k", 3)]).Allowed);
        Assert.Equal("3", limiter.Inspect("k").Value);

        // An existing key named twice: both INCRBY.
        Assert.True(limiter.Check([new RateLimitRule(window, "k", 2), new RateLimitRule(window, "k", 3)]).Allowed);
        Assert.Equal("8", limiter.Inspect("k").Value);
    }
}
