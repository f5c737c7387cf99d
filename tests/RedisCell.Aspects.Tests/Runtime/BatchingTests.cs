using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// Concurrent asynchronous decisions are sent to the server together (batch.lua). Batching may only
/// save work: every caller gets the answer it would get alone, a failing decision fails alone, and
/// the stored state is what the decisions one after another leave.
/// </summary>
public sealed class BatchingTests
{
    // Time stands still (the client clock, faked), so every decision happens at one instant and the
    // answers do not depend on which caller the server reached first: the multiset of answers is
    // what the same calls one after another give on the in-process twin.
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600);

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task Concurrent_decisions_are_batched_and_each_gets_the_answer_it_would_get_alone(string engine)
    {
        var clock = new FakeTimeProvider(s_now);
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions options = Options(Engine.UniquePrefix("batch-answers"), clock);
        using var limiter = new RedisCellLimiter(redis, options);
        using var twin = new InProcessCellLimiter(clock);
        await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(0, 1, 1), "warm-up"));

        RateLimitRule[] calls = Calls();
        RateLimitResult[] batched = await Task.WhenAll(calls.Select(rule => Task.Run(() => limiter.CheckAsync(rule).AsTask())));
        RateLimitResult[] alone = calls.Select(rule => twin.Check(rule)).ToArray();

        Assert.True(limiter.BatchedDecisions > 0, "No decision was batched: the test shows nothing about batching.");
        foreach (IGrouping<string, int> key in Enumerable.Range(0, calls.Length).GroupBy(i => calls[i].Key))
        {
            Assert.Equal(
                key.Select(i => Describe(alone[i])).Order(StringComparer.Ordinal),
                key.Select(i => Describe(batched[i])).Order(StringComparer.Ordinal));
        }

        foreach (RateLimitResult window in batched.Where(r => r.Rule.Policy is FixedWindowPolicy))
        {
            Assert.InRange(window.ResetAfter, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90));
            Assert.Equal(window.Limited ? window.ResetAfter : TimeSpan.Zero, window.RetryAfter);
        }

        // The hot key allowed exactly its burst; the state stored is the twin's, value and TTL.
        Assert.Equal(50, Enumerable.Range(0, calls.Length).Count(i => calls[i].Key == "hot" && !batched[i].Limited));
        IDatabase database = redis.GetDatabase();
        foreach (string key in calls.Select(c => c.Key).Distinct())
        {
            (string? value, long pttl) = twin.Inspect(key);
            Assert.Equal(value, (string?)await database.StringGetAsync(options.KeyPrefix + key));
            TimeSpan? ttl = await database.KeyTimeToLiveAsync(options.KeyPrefix + key);
            if (value is null)
            {
                Assert.Null(ttl); // calls that can never pass write nothing
                continue;
            }

            Assert.InRange((long)ttl!.Value.TotalMilliseconds, pttl - 5_000, pttl); // real time shortens Redis's TTL as the test runs
        }
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task A_decision_on_a_key_holding_something_else_fails_alone(string engine)
    {
        var clock = new FakeTimeProvider(s_now);
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions options = Options(Engine.UniquePrefix("batch-wrongtype"), clock);
        IDatabase database = redis.GetDatabase();
        await database.ListRightPushAsync(options.KeyPrefix + "{u}list", ["a", "b"]);
        await database.KeyExpireAsync(options.KeyPrefix + "{u}list", TimeSpan.FromMinutes(10)); // the suite's TTL audit
        using var limiter = new RedisCellLimiter(redis, options);
        await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(0, 1, 1), "warm-up"));

        // Good and bad decisions interleaved, on one slot of a cluster, so that they share batches.
        var policy = new GcraPolicy(maxBurst: 999, count: 1, periodSeconds: 60);
        string KeyOf(int i) => i % 20 == 7 ? "{u}list" : $"{{u}}good:{i % 9}";
        Task<RateLimitResult>[] calls = Enumerable.Range(0, 400)
            .Select(i => Task.Run(() => limiter.CheckAsync(new RateLimitRule(policy, KeyOf(i))).AsTask()))
            .ToArray();
        await Task.WhenAll(calls.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.True(limiter.BatchedDecisions > 0, "No decision was batched: the test shows nothing about batching.");
        for (int i = 0; i < calls.Length; i++)
        {
            if (i % 20 == 7)
            {
                RedisCellException error = await Assert.ThrowsAsync<RedisCellException>(() => calls[i]);
                Assert.Equal("{u}list", error.Key);
                Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.False((await calls[i]).Limited);
            }
        }

        Assert.Equal(["a", "b"], (await database.ListRangeAsync(options.KeyPrefix + "{u}list")).Select(v => (string)v!));
        foreach (IGrouping<string, int> good in Enumerable.Range(0, calls.Length).Where(i => i % 20 != 7).GroupBy(KeyOf))
        {
            // Every call on a good key was allowed and consumed one, at one instant.
            RateLimitResult read = await limiter.CheckAsync(new RateLimitRule(policy, good.Key, 0));
            Assert.Equal(1000 - good.Count(), read.Remaining);
        }
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task One_per_script_turns_batching_off(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        RedisCellOptions options = Options(Engine.UniquePrefix("batch-off"), new FakeTimeProvider(s_now));
        options.MaxDecisionsPerBatch = 1;
        using var limiter = new RedisCellLimiter(redis, options);
        var policy = new GcraPolicy(maxBurst: 99, count: 1, periodSeconds: 3600);

        RateLimitResult[] results = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Task.Run(() => limiter.CheckAsync(new RateLimitRule(policy, "hot")).AsTask())));

        Assert.Equal(100, results.Count(r => !r.Limited));
        Assert.Equal(0, limiter.BatchedDecisions);
    }

    [Fact]
    public void The_batch_size_is_validated()
    {
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { MaxDecisionsPerBatch = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new RedisCellOptions { MaxDecisionsPerBatch = 1025 }.Validate());
        new RedisCellOptions { MaxDecisionsPerBatch = 1 }.Validate();
        new RedisCellOptions { MaxDecisionsPerBatch = 1024 }.Validate();
    }

    // A hot GCRA key far over its burst, fixed windows over their limit, calls that can never pass,
    // and a policy whose durations are beyond what a double holds exactly (the batch reply's decimal
    // form), interleaved. Each key sees one quantity only, so the answers it gets do not depend on
    // the order in which its calls reach the server.
    private static RateLimitRule[] Calls()
    {
        var hot = new GcraPolicy(maxBurst: 49, count: 1, periodSeconds: 3600);
        var spread = new GcraPolicy(maxBurst: 4, count: 3, periodSeconds: 1);
        var window = new FixedWindowPolicy(7, TimeSpan.FromSeconds(90));
        var vast = new GcraPolicy(maxBurst: 0, count: 1, periodSeconds: 17_280_000); // 200 days
        var calls = new List<RateLimitRule>();
        for (int i = 0; i < 240; i++)
        {
            calls.Add(new RateLimitRule(hot, "hot"));
            if (i % 3 == 0) calls.Add(new RateLimitRule(spread, $"spread:{i % 2}", 1 + (i % 2)));
            if (i % 4 == 0) calls.Add(new RateLimitRule(window, $"window:{i % 3}", 1 + (i % 3)));
            if (i % 10 == 0) calls.Add(new RateLimitRule(vast, "vast"));
            if (i % 30 == 0) calls.Add(new RateLimitRule(spread, "never", 99));
        }

        return [.. calls];
    }

    // GCRA durations to the nanosecond. A fixed window's durations are the key's TTL on the server,
    // which real time shortens while the fake clock stands still: checked on their own below.
    private static string Describe(RateLimitResult r) => r.Rule.Policy is GcraPolicy
        ? $"{(r.Limited ? "limited" : "allowed")} limit={r.Limit} remaining={r.Remaining} retry={r.RetryAfterNanoseconds} reset={r.ResetAfterNanoseconds}"
        : $"{(r.Limited ? "limited" : "allowed")} limit={r.Limit} remaining={r.Remaining}";

    private static RedisCellOptions Options(string prefix, TimeProvider clock)
    {
        RedisCellOptions options = Engine.Options(prefix);
        options.Clock = ClockSource.Client;
        options.TimeProvider = clock;
        options.DenyCache.Capacity = 0; // every decision reaches the server
        return options;
    }
}
