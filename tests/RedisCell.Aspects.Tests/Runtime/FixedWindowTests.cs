using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>[RatePerSecond(n)]'s fixed window (SPEC §2), on the twin and on real servers.</summary>
public sealed class FixedWindowTests
{
    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task AllowsTheLimitPerWindowThenRefuses(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "window");
        var rule = new RateLimitRule(new FixedWindowPolicy(3, TimeSpan.FromMinutes(1)), "k");
        for (int i = 0; i < 3; i++)
        {
            RateLimitResult allowed = await limiter.CheckAsync(rule);
            Assert.True(allowed.Allowed);
            Assert.Equal(2 - i, allowed.Remaining);
            Assert.InRange(allowed.ResetAfter, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        }

        RateLimitResult refused = await limiter.CheckAsync(rule);
        Assert.True(refused.Limited);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(refused.ResetAfter, refused.RetryAfter);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task LimitsBeyondWhatTheScriptCountsAreRefusedBeforeAnyIo(string kind)
    {
        // fixed_window.lua counts in doubles and refuses limits beyond 15 digits: such a limit
        // would pass in process and fail on Redis, after the round trip.
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(10_000_000_000_000_000, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(FixedWindowPolicy.MaxLimit + 1, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedWindowPolicy.PerSecond(long.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedWindowPolicy.TokensPerMinute(FixedWindowPolicy.MaxLimit + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetLimiter(FixedWindowPolicy.MaxLimit + 1));

        // The largest limit accepted works the same everywhere.
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "window-max");
        var rule = new RateLimitRule(FixedWindowPolicy.PerSecond(FixedWindowPolicy.MaxLimit), "k", FixedWindowPolicy.MaxLimit - 1);
        RateLimitResult allowed = await limiter.CheckAsync(rule);
        Assert.True(allowed.Allowed);
        Assert.Equal(1, allowed.Remaining);
        Assert.True((await limiter.CheckAsync(rule)).Limited);
    }

    [Fact]
    public void TheWindowRestartsAfterItExpires()
    {
        var clock = Limiters.FakeClock();
        using var limiter = new InProcessCellLimiter(clock);
        var rule = new RateLimitRule(FixedWindowPolicy.PerSecond(2), "k");
        Assert.True(limiter.Check(rule).Allowed);
        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(limiter.Check(rule).Allowed);
        RateLimitResult refused = limiter.Check(rule);
        Assert.True(refused.Limited);
        Assert.Equal(TimeSpan.FromMilliseconds(600), refused.RetryAfter);

        clock.Advance(TimeSpan.FromMilliseconds(600)); // the window's last millisecond
        Assert.True(limiter.Check(rule).Limited);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        RateLimitResult fresh = limiter.Check(rule);
        Assert.True(fresh.Allowed);
        Assert.Equal(1, fresh.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(1), fresh.ResetAfter);
    }

    /// <summary>
    /// The package ships fixed_window.lua as a plain file too; run on its own, it answers what the
    /// limiter (which sends the same functions inside batch.lua) answers, call for call.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task TheStandAloneScriptAnswersAsTheLimiter(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("window-standalone");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        IDatabase db = redis.GetDatabase();
        string script = RedisScript.Load("fixed_window.lua");
        var policy = new FixedWindowPolicy(5, TimeSpan.FromMinutes(2));
        foreach (long cost in new long[] { 1, 2, 0, 1, 3, 1, 1, 9 })
        {
            RateLimitResult library = await limiter.CheckAsync(new RateLimitRule(policy, "{w}library", cost));
            var reply = (RedisResult[])(await db.ScriptEvaluateAsync(script, [prefix + "{w}standalone"], [5, 120_000, cost]))!;
            Assert.Equal(library.Limited ? 1 : 0, (long)reply[0]);
            Assert.Equal(library.Limit, (long)reply[1]);
            Assert.Equal(library.Remaining, (long)reply[2]);
            Assert.Equal(library.Limited && cost <= 5, (long)reply[3] >= 0);
            Assert.InRange((long)reply[4], 110_000, 120_000);
        }
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task EveryCounterCarriesTheWindowAsItsTtl(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("windowttl");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        await limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(10), "k", 4));
        IDatabase db = redis.GetDatabase();
        Assert.Equal("4", (string?)await db.StringGetAsync(prefix + "k"));
        TimeSpan? ttl = await db.KeyTimeToLiveAsync(prefix + "k");
        Assert.InRange(ttl!.Value, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));

        // A cost of 0 reads without creating a key.
        RateLimitResult peek = await limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(10), "other", 0));
        Assert.Equal(10, peek.Remaining);
        Assert.False(await db.KeyExistsAsync(prefix + "other"));
    }

    /// <summary>The blog's INCR-then-EXPIRE can leave a counter with no TTL, blocking its key forever; we repair it.</summary>
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task ACounterLeftWithoutATtlGetsOne(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("repair");
        IDatabase db = redis.GetDatabase();
        await db.StringSetAsync(prefix + "stuck", "100");
        await db.StringSetAsync(prefix + "open", "1");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));

        RateLimitResult refused = await limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "stuck"));
        Assert.True(refused.Limited);
        Assert.NotNull(await db.KeyTimeToLiveAsync(prefix + "stuck"));
        Assert.Equal("100", (string?)await db.StringGetAsync(prefix + "stuck"));

        RateLimitResult allowed = await limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "open"));
        Assert.True(allowed.Allowed);
        Assert.Equal(3, allowed.Remaining);
        Assert.NotNull(await db.KeyTimeToLiveAsync(prefix + "open"));
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ACostAboveTheLimitCanNeverPassAndConsumesNothing(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "windowover");
        var policy = new FixedWindowPolicy(10, TimeSpan.FromMinutes(1));
        await limiter.CheckAsync(new RateLimitRule(policy, "k", 4));
        RateLimitResult refused = await limiter.CheckAsync(new RateLimitRule(policy, "k", 11));
        Assert.True(refused.Limited);
        Assert.Equal(Timeout.InfiniteTimeSpan, refused.RetryAfter);
        RateLimitResult refusedHuge = await limiter.CheckAsync(new RateLimitRule(policy, "k", long.MaxValue));
        Assert.True(refusedHuge.Limited);
        Assert.Equal(6, (await limiter.CheckAsync(new RateLimitRule(policy, "k", 0))).Remaining);
        Assert.True((await limiter.CheckAsync(new RateLimitRule(policy, "k", 6))).Allowed);
        Assert.True((await limiter.CheckAsync(new RateLimitRule(policy, "k", 1))).Limited);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task AKeyHoldingSomethingElseIsAClearError(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("windowwrong");
        IDatabase db = redis.GetDatabase();
        await db.SetAddAsync(prefix + "set", "x");
        await db.StringSetAsync(prefix + "text", "ten", TimeSpan.FromMinutes(1));
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        try
        {
            await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "set")).AsTask());
            await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "text")).AsTask());
            Assert.Equal("ten", (string?)await db.StringGetAsync(prefix + "text"));
            Assert.True(await db.SetContainsAsync(prefix + "set", "x"));
        }
        finally
        {
            await db.KeyDeleteAsync(prefix + "set"); // one key per command: the two may be on different cluster nodes
            await db.KeyDeleteAsync(prefix + "text");
        }
    }
}
