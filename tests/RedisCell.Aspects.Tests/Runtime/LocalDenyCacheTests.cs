using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// The local deny cache may only save round trips: every answer, with it or without it, is the one
/// Redis gives, and it never leaves the stored state different.
/// </summary>
public sealed class LocalDenyCacheTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, int> EngineSeeds => PerEngine(1, 2);

    public static TheoryData<string, string> EngineResets => PerEngine("another limiter", "DEL");

    [Theory]
    [MemberData(nameof(EngineSeeds))]
    public async Task Answers_with_the_cache_are_the_answers_redis_gives_without_it(string engine, int seed)
    {
        // The client clock makes time exact and shared: the script and the cache both read the fake clock.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions cachedOptions = Engine.Options(Engine.UniquePrefix("deny-cached"));
        RedisCellOptions plainOptions = Engine.Options(Engine.UniquePrefix("deny-plain"));
        foreach (RedisCellOptions options in new[] { cachedOptions, plainOptions })
        {
            options.Clock = ClockSource.Client;
            options.TimeProvider = clock;
        }

        plainOptions.DenyCache.Capacity = 0;
        using var cached = new RedisCellLimiter(redis, cachedOptions);
        using var plain = new RedisCellLimiter(redis, plainOptions);
        var random = new Random(seed);
        GcraPolicy[] policies = [new(0, 1, 1), new(4, 1, 2), new(14, 3, 5), new(9, 1, 3), new(29, 30, 60)];

        // Connection and scripts warmed up first, so that no call below stalls.
        await plain.CheckAsync(new RateLimitRule(policies[0], "warm-up"));
        await cached.CheckAsync(new RateLimitRule(policies[0], "warm-up"));
        int compared = 0;

        foreach (GcraPolicy policy in policies)
        {
            string key = $"k{Array.IndexOf(policies, policy)}";
            long interval = policy.EmissionIntervalNanoseconds;
            for (int call = 0; call < 120; call++)
            {
                // Whole microseconds. Redis expires keys by its own clock, so the fake clock always
                // moves further than real time does between two calls (at least 300 ms, against
                // TTLs of a second or more): no key can vanish earlier than the fake clock says.
                // Gaps often end within the last millisecond before a key frees up.
                long gapNs = 300_000_000 + (random.Next(3) switch
                {
                    0 => random.NextInt64(0, interval / 4 + 1),
                    1 => random.NextInt64(0, Math.Min(interval, 2_000_000) + 1),
                    _ => random.NextInt64(0, 2 * interval + 1),
                });
                clock.Advance(TimeSpan.FromTicks(gapNs / 1000 * 10));
                long quantity = random.Next(8) switch
                {
                    0 => 0,
                    1 => policy.Limit + 1,
                    2 => random.NextInt64(1, policy.Limit + 1),
                    _ => 1,
                };

                RateLimitResult expected = await plain.CheckAsync(new RateLimitRule(policy, key, quantity));
                RateLimitResult actual = random.Next(2) == 0
                    ? await cached.CheckAsync(new RateLimitRule(policy, key, quantity))
                    : cached.Check(new RateLimitRule(policy, key, quantity));
                string where = $"{policy}, call {call}, quantity {quantity}, gap {gapNs} ns: Redis says {expected.Limited} {expected.Remaining} {expected.RetryAfterNanoseconds} {expected.ResetAfterNanoseconds}; with the cache {actual.Limited} {actual.Remaining} {actual.RetryAfterNanoseconds} {actual.ResetAfterNanoseconds}";

                Assert.True(
                    (expected.Limited, expected.Limit, expected.Remaining, expected.RetryAfterNanoseconds, expected.ResetAfterNanoseconds)
                        == (actual.Limited, actual.Limit, actual.Remaining, actual.RetryAfterNanoseconds, actual.ResetAfterNanoseconds),
                    where);
                compared++;
            }

            IDatabase db = redis.GetDatabase();
            Assert.Equal(await db.StringGetAsync(plainOptions.KeyPrefix + key), await db.StringGetAsync(cachedOptions.KeyPrefix + key));
        }

        Assert.True(cached.LocalRefusals > compared / 10, $"only {cached.LocalRefusals} of {compared} calls were refused without a round trip");
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task A_full_window_is_refused_in_process_until_a_reset_through_the_limiter(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("deny-window")));
        var rule = new RateLimitRule(FixedWindowPolicy.PerSecond(3), "w");

        for (int i = 0; i < 2; i++) Assert.False((await limiter.CheckAsync(rule)).Limited);
        RateLimitResult last = await limiter.CheckAsync(rule);
        Assert.False(last.Limited);
        Assert.Equal(0, last.Remaining);
        Assert.Equal(0, limiter.LocalRefusals);

        // Redis said the window is full: the next call is refused here, for the rest of that window.
        RateLimitResult local = limiter.Check(rule);
        Assert.True(local.Limited);
        Assert.Equal(1, limiter.LocalRefusals);
        Assert.Equal(0, local.Remaining);
        Assert.InRange(local.RetryAfter, TimeSpan.FromTicks(1), last.ResetAfter);

        // A read (quantity 0) always asks Redis.
        Assert.Equal(0, (await limiter.CheckAsync(new RateLimitRule(rule.Policy, rule.Key, 0))).Remaining);
        Assert.Equal(1, limiter.LocalRefusals);

        // A reset through this limiter forgets what it remembered.
        await limiter.ResetAsync(rule.Key);
        Assert.False((await limiter.CheckAsync(rule)).Limited);
        Assert.Equal(1, limiter.LocalRefusals);
    }

    [Theory]
    [MemberData(nameof(EngineResets))]
    public async Task A_reset_made_elsewhere_is_seen_once_the_cached_refusal_is_older_than_its_max_age(string engine, string reset)
    {
        // An exact shared clock (the client's, faked) so that "at the max age" is an instant.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions Options(int capacity)
        {
            RedisCellOptions options = Engine.Options(Engine.UniquePrefix("deny-reset"));
            options.Clock = ClockSource.Client;
            options.TimeProvider = clock;
            options.DenyCache.Capacity = capacity;
            return options;
        }

        RedisCellOptions cachedOptions = Options(DenyCacheOptions.DefaultCapacity);
        RedisCellOptions plainOptions = Options(0);
        plainOptions.KeyPrefix = cachedOptions.KeyPrefix;
        using var cached = new RedisCellLimiter(redis, cachedOptions);
        using var plain = new RedisCellLimiter(redis, plainOptions);
        using var elsewhere = new RedisCellLimiter(redis, plainOptions);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), "once-a-minute");
        var read = new RateLimitRule(rule.Policy, rule.Key, 0);
        async Task ResetElsewhereAsync(string key)
        {
            if (reset == "DEL") await redis.GetDatabase().KeyDeleteAsync(cachedOptions.KeyPrefix + key);
            else await elsewhere.ResetAsync(key);
        }

        Assert.True((await cached.CheckAsync(rule)).Allowed);
        RateLimitResult refused = await cached.CheckAsync(rule);
        Assert.True(refused.Limited);
        Assert.Equal(1, cached.LocalRefusals);
        Assert.Equal(TimeSpan.FromSeconds(60), refused.RetryAfter);

        // Within the max age the reset is not seen: Redis would allow the call, the cache refuses it.
        await ResetElsewhereAsync(rule.Key);
        Assert.Equal(1, (await plain.CheckAsync(read)).Remaining);
        Assert.True((await cached.CheckAsync(rule)).Limited);
        clock.Advance(DenyCacheOptions.DefaultMaxAge - TimeSpan.FromMilliseconds(1));
        Assert.True(cached.Check(rule).Limited);
        Assert.Equal(3, cached.LocalRefusals);

        // The bound: once the cached refusal is as old as the max age, the call asks Redis, which allows it.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await cached.CheckAsync(rule)).Allowed);
        Assert.Equal(3, cached.LocalRefusals);

        // That answer left no room, so it is remembered afresh: the next calls are refused in process.
        Assert.True((await cached.CheckAsync(rule)).Limited);
        Assert.True(cached.Check(rule).Limited);
        Assert.Equal(5, cached.LocalRefusals);

        // With the cache off (Capacity = 0) the reset is seen at once.
        var other = new RateLimitRule(rule.Policy, "other");
        Assert.True((await plain.CheckAsync(other)).Allowed);
        Assert.True((await plain.CheckAsync(other)).Limited);
        await ResetElsewhereAsync(other.Key);
        Assert.True((await plain.CheckAsync(other)).Allowed);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task A_DEL_from_outside_is_honoured_within_the_max_age_and_a_round_trip(string engine)
    {
        // The server's clock and the real one: a redis-cell client resets a key by deleting it.
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("deny-del"));
        using var limiter = new RedisCellLimiter(redis, options);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), "once-a-minute");
        Assert.True((await limiter.CheckAsync(rule)).Allowed);
        Assert.True((await limiter.CheckAsync(rule)).Limited);

        await redis.GetDatabase().KeyDeleteAsync(options.KeyPrefix + rule.Key);
        var since = System.Diagnostics.Stopwatch.StartNew();
        long localBefore = limiter.LocalRefusals;
        RateLimitResult result;
        do
        {
            result = await limiter.CheckAsync(rule);
            if (result.Limited) await Task.Delay(10);
        }
        while (result.Limited && since.Elapsed < TimeSpan.FromSeconds(10));

        output.WriteLine($"FIGURE deny-cache-del engine={engine} honoured_after_ms={since.Elapsed.TotalMilliseconds:0} local_refusals_meanwhile={limiter.LocalRefusals - localBefore}");
        Assert.True(result.Allowed, "the DEL was never honoured");
        Assert.True(since.Elapsed < DenyCacheOptions.DefaultMaxAge + TimeSpan.FromMilliseconds(300), $"honoured after {since.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(limiter.LocalRefusals > localBefore, "the refusals meanwhile should have been answered in process");
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task Another_policy_on_the_key_and_multi_rule_checks_always_ask_redis(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("deny-other")));
        var tight = new GcraPolicy(0, 1, 60);
        var loose = new GcraPolicy(10, 1, 60);
        Assert.False((await limiter.CheckAsync(new RateLimitRule(tight, "g"))).Limited);
        Assert.True((await limiter.CheckAsync(new RateLimitRule(tight, "g"))).Limited);
        Assert.Equal(1, limiter.LocalRefusals);

        // The same key under a looser policy is Redis's to decide: it allows.
        Assert.False((await limiter.CheckAsync(new RateLimitRule(loose, "g"))).Limited);
        // (On a cluster the rules of one check share a slot, so their keys are not the single keys above.)
        RateLimitRule[] both = [new(tight, "g"), new(tight, "h")];
        await limiter.CheckAsync(both);
        Assert.True((await limiter.CheckAsync(both)).Limited);
        Assert.Equal(1, limiter.LocalRefusals);
    }

    [Fact]
    public async Task A_key_known_to_be_limited_is_refused_while_redis_is_frozen_without_waiting()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("deny-frozen"));
        options.Failure.Mode = FailureMode.FailOpen;
        options.Failure.Timeout = TimeSpan.FromMilliseconds(300);
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 3600), "frozen");

        // Warm (scripts loaded, JIT done), so that the first call is decided by Redis, not the timeout.
        for (int i = 0; i < 3; i++) await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(100, 1, 1), "warm-up"));
        Assert.False((await limiter.CheckAsync(rule)).Limited);
        Assert.True((await limiter.CheckAsync(rule)).Limited);
        Assert.Equal(1, limiter.LocalRefusals);

        server.Pause();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            RateLimitResult refused = await limiter.CheckAsync(rule);
            RateLimitResult refusedSync = limiter.Check(rule);
            clock.Stop();

            // Refused as Redis would, not allowed by the failure policy, and well inside the timeout.
            Assert.True(refused.Limited && refusedSync.Limited);
            Assert.Equal(3, limiter.LocalRefusals);
            Assert.True(clock.Elapsed < options.Failure.Timeout, $"took {clock.Elapsed}");

            // Another key is the failure policy's: allowed (fail open) after the timeout.
            Assert.False((await limiter.CheckAsync(new RateLimitRule(rule.Policy, "unknown"))).Limited);
        }
        finally
        {
            server.Resume();
        }
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task Calls_arriving_together_as_a_key_frees_up_cost_redis_one_request(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("deny-together"));
        options.Clock = ClockSource.Client;
        options.TimeProvider = clock;
        using var limiter = new RedisCellLimiter(await Engine.ConnectionAsync(engine), options);
        var rule = new RateLimitRule(new GcraPolicy(4, 1, 60), "hot");

        // The burst of five, spent: Redis said the key is full for the next 300 s.
        for (int i = 0; i < 5; i++) Assert.False((await limiter.CheckAsync(rule)).Limited);

        // 61 s later one call fits again. Ten calls at once: one asks Redis, the others wait for its
        // answer and are refused from it.
        clock.Advance(TimeSpan.FromSeconds(61));
        long before = limiter.LocalRefusals;
        RateLimitResult[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => limiter.CheckAsync(rule).AsTask()));

        Assert.Equal(1, results.Count(r => !r.Limited));
        Assert.Equal(9, limiter.LocalRefusals - before);
        // The allowed call moved the TAT to 299 s ahead: the next call fits 59 s from now.
        Assert.All(results.Where(r => r.Limited), r => Assert.Equal(TimeSpan.FromSeconds(59), r.RetryAfter));
    }

    [Fact]
    public void Capacity_and_max_age_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { DenyCache = { MaxAge = TimeSpan.Zero } }.Validate());
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { DenyCache = { MaxAge = TimeSpan.FromDays(2) } }.Validate());
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { DenyCache = { Capacity = -1 } }.Validate());
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { DenyCache = { Capacity = (1 << 20) + 1 } }.Validate());
        new RedisCellOptions { DenyCache = { Capacity = 0 } }.Validate();
    }

    // One row per available engine and value.
    private static TheoryData<string, T> PerEngine<T>(params T[] values)
    {
        var data = new TheoryData<string, T>();
        foreach (string engine in Engine.Available)
        {
            foreach (T value in values) data.Add(engine, value);
        }

        return data;
    }
}
