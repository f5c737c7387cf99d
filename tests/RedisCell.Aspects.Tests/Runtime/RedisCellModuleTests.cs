using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// Where redis-cell's module is loaded the limiter decides GCRA with CL.THROTTLE itself (SPEC §1,
/// issue: "uses CL.THROTTLE itself"). Run on redis-server with the stand-in module
/// (<see cref="ClThrottleStandIn"/>, which replays the real module's recorded calls exactly); like
/// the real module, the stand-in takes the server down when it is shown a key holding anything else.
/// </summary>
public sealed class RedisCellModuleTests
{
    private static readonly GcraPolicy Policy = new(maxBurst: 2, count: 1, periodSeconds: 60); // a limit of 3, one more per 60 s

    [Fact]
    public async Task A_warmed_up_limiter_finds_the_module_and_every_gcra_decision_is_made_by_it()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module"));
        options.DenyCache.Capacity = 0; // every call reaches the server, to be counted there
        await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
        Assert.True(limiter.UsesRedisCellModule);

        long before = await ModuleCallsAsync(redis);
        var rule = new RateLimitRule(Policy, "user:42");
        RateLimitResult[] results =
        [
            limiter.Check(rule),
            await limiter.CheckAsync(rule),
            limiter.Check(rule),
            await limiter.CheckAsync(rule),
        ];
        RateLimitResult peek = await limiter.CheckAsync(new RateLimitRule(Policy, "user:42", quantity: 0));
        Assert.Equal(5, await ModuleCallsAsync(redis) - before);

        Assert.Equal([false, false, false, true], results.Select(r => r.Limited));
        Assert.Equal([2L, 1, 0, 0], results.Select(r => r.Remaining));
        Assert.All(results, r => Assert.Equal(3, r.Limit));

        // The fourth call may pass once one emission interval (60 s) has passed since the first.
        Assert.InRange(results[3].RetryAfter, TimeSpan.FromSeconds(58), TimeSpan.FromSeconds(60));
        Assert.InRange(results[3].ResetAfter, TimeSpan.FromSeconds(178), TimeSpan.FromSeconds(180));
        Assert.Equal(new CellThrottleReply(1, 3, 0, 60, 180), results[3].ToCellReply());
        Assert.False(peek.Limited);
        Assert.Equal(0, peek.Remaining);

        // The state is the module's own format: a TAT in nanoseconds with a millisecond TTL.
        IDatabase db = redis.GetDatabase();
        string prefix = limiter.Options.KeyPrefix;
        long tat = long.Parse((string)(await db.StringGetAsync(prefix + "user:42"))!, CultureInfo.InvariantCulture);
        TimeSpan? ttl = await db.KeyTimeToLiveAsync(prefix + "user:42");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(178), TimeSpan.FromSeconds(180));
        Assert.InRange(tat, ServerNowNs(redis) + 178_000_000_000L, ServerNowNs(redis) + 180_000_000_000L);
    }

    /// <summary>
    /// The module reads its own nanosecond clock a moment after the script's TIME, so the durations
    /// the limiter derives can differ from the module's by that moment. They are kept within the
    /// module's whole seconds: the five numbers are always the module's. Shown with the stand-in's
    /// clock set apart from the server's, by amounts that would otherwise cross a second or a millisecond.
    /// </summary>
    [Theory]
    [InlineData(-1_500_000_000L)]
    [InlineData(-400_000L)]
    [InlineData(400_000L)]
    [InlineData(2_250_000_000L)]
    public async Task The_five_numbers_are_the_modules_whatever_the_scripts_clock_says(long moduleAheadNs)
    {
        await using RedisServerProcess server = await ClThrottleStandIn.StartServerAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IDatabase db = redis.GetDatabase();
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-clock"));
        options.DenyCache.Capacity = 0;
        await using var limiter = new RedisCellLimiter(redis, options);
        Assert.True(await limiter.WarmUpAsync());
        Assert.True(limiter.UsesRedisCellModule);

        // The twin on the module's clock gives the module's answers to the nanosecond.
        long moduleNow = ServerNowNs(redis) + moduleAheadNs;
        moduleNow -= moduleNow % 1000;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddTicks(moduleNow / 100));
        using var twin = new InProcessCellLimiter(clock);
        await db.ExecuteAsync("CLTEST.CLOCK", moduleNow);
        var policy = new GcraPolicy(maxBurst: 1, count: 3, periodSeconds: 10); // T = 3.333333333 s
        foreach (long quantity in new long[] { 1, 1, 1, 2, 0, 5 })
        {
            var rule = new RateLimitRule(policy, "k", quantity);
            RateLimitResult expected = twin.Check(rule);
            RateLimitResult actual = quantity % 2 == 0 ? limiter.Check(rule) : await limiter.CheckAsync(rule);
            Assert.Equal(expected.ToCellReply(), actual.ToCellReply());
            Assert.Equal(expected.Limited, actual.Limited);

            // The durations stay in the whole second the module replied, however far apart the clocks
            // are (the stand-in's moves 700 ms a step here while the server's barely moves).
            Assert.Equal(expected.RetryAfter == Timeout.InfiniteTimeSpan, actual.RetryAfter == Timeout.InfiniteTimeSpan);
            if (expected.Limited && expected.RetryAfter != Timeout.InfiniteTimeSpan)
            {
                Assert.InRange(actual.RetryAfter - expected.RetryAfter, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
            }

            Assert.InRange(actual.ResetAfter - expected.ResetAfter, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
            clock.Advance(TimeSpan.FromMilliseconds(700));
            moduleNow += 700_000_000;
            await db.ExecuteAsync("CLTEST.CLOCK", moduleNow);
        }

        (string? stored, _) = twin.Inspect("k");
        Assert.Equal(stored, (string?)await db.StringGetAsync(options.KeyPrefix + "k"));
    }

    [Theory]
    [InlineData("list")]
    [InlineData("hash")]
    [InlineData("set")]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public async Task A_key_holding_anything_else_is_an_error_and_never_reaches_the_module(string held)
    {
        RedisServerProcess server = await Engine.RedisModuleServerAsync();
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        IDatabase db = redis.GetDatabase();
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-wrong"));
        await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
        Assert.True(limiter.UsesRedisCellModule);
        string key = options.KeyPrefix + "k";
        switch (held)
        {
            case "list": await db.ListRightPushAsync(key, "a"); break;
            case "hash": await db.HashSetAsync(key, "f", "v"); break;
            case "set": await db.SetAddAsync(key, "m"); break;
            default: await db.StringSetAsync(key, held); break;
        }

        string typeBefore = (await db.ExecuteAsync("TYPE", key)).ToString();
        var rule = new RateLimitRule(Policy, "k");
        long before = await ModuleCallsAsync(redis);

        Assert.Equal("k", Assert.Throws<RedisCellException>(() => limiter.Check(rule)).Key);
        Assert.Equal("k", (await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(rule).AsTask())).Key);

        // Among concurrent decisions (batched), only the calls for that key fail.
        Task<RateLimitResult>[] calls = Enumerable.Range(0, 40).Select(i => limiter.CheckAsync(new RateLimitRule(Policy, i % 4 == 0 ? "k" : "other" + i)).AsTask()).ToArray();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { })));
        for (int i = 0; i < calls.Length; i++)
        {
            if (i % 4 == 0) Assert.Equal("k", (await Assert.ThrowsAsync<RedisCellException>(() => calls[i])).Key);
            else Assert.False((await calls[i]).Limited);
        }

        Assert.Equal(30, await ModuleCallsAsync(redis) - before); // the other keys' decisions only
        Assert.True(server.IsRunning);
        Assert.Equal(typeBefore, (await db.ExecuteAsync("TYPE", key)).ToString());
        if (held is not ("list" or "hash" or "set")) Assert.Equal(held, (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task Concurrent_decisions_go_to_the_module_in_batches_and_allow_exactly_the_limit()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-batch"));
        options.DenyCache.Capacity = 0; // every call reaches the server
        await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
        var hot = new GcraPolicy(maxBurst: 49, count: 1, periodSeconds: 3600);
        long batchedBefore = limiter.BatchedDecisions;
        long before = await ModuleCallsAsync(redis);

        RateLimitResult[] results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
            limiter.CheckAsync(new RateLimitRule(hot, i % 2 == 0 ? "hot" : "cold" + i)).AsTask())));

        Assert.Equal(400, await ModuleCallsAsync(redis) - before);
        Assert.True(limiter.BatchedDecisions > batchedBefore, "no decision was batched");
        RateLimitResult[] onHot = results.Where((_, i) => i % 2 == 0).ToArray();
        Assert.Equal(50, onHot.Count(r => !r.Limited));
        Assert.All(onHot.Where(r => r.Limited), r => Assert.InRange(r.RetryAfter, TimeSpan.FromSeconds(3500), TimeSpan.FromSeconds(3600)));
        Assert.All(results.Where((_, i) => i % 2 == 1), r => Assert.Equal(49, r.Remaining));
        Assert.True(limiter.UsesRedisCellModule);
    }

    [Fact]
    public async Task Unloading_the_module_falls_back_to_the_script_on_the_same_state()
    {
        await using RedisServerProcess server = await ClThrottleStandIn.StartServerAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-gone"));
        options.DenyCache.Capacity = 0;
        await using var limiter = new RedisCellLimiter(redis, options);
        Assert.True(await limiter.WarmUpAsync());
        Assert.True(limiter.UsesRedisCellModule);
        var rule = new RateLimitRule(Policy, "k");
        Assert.False((await limiter.CheckAsync(rule)).Limited);
        Assert.False(limiter.Check(rule).Limited);

        await redis.GetDatabase().ExecuteAsync("MODULE", "UNLOAD", "redis-cell");
        RateLimitResult third = await limiter.CheckAsync(rule);
        Assert.False(third.Limited);
        Assert.Equal(0, third.Remaining);
        Assert.False(limiter.UsesRedisCellModule);
        RateLimitResult fourth = limiter.Check(rule);
        Assert.True(fourth.Limited);
        Assert.InRange(fourth.RetryAfter, TimeSpan.FromSeconds(58), TimeSpan.FromSeconds(60));

        // Loaded again, the next warm-up finds it, and it carries on from the script's state.
        await redis.GetDatabase().ExecuteAsync("MODULE", "LOAD", ClThrottleStandIn.Library);
        Assert.True(await limiter.WarmUpAsync());
        Assert.True(limiter.UsesRedisCellModule);
        long before = await ModuleCallsAsync(redis);
        Assert.True((await limiter.CheckAsync(rule)).Limited);
        Assert.Equal(1, await ModuleCallsAsync(redis) - before);
    }

    [Fact]
    public async Task Scripts_decide_where_there_is_no_module_where_it_is_turned_off_and_on_the_client_clock()
    {
        foreach (string engine in Engine.Available)
        {
            await using RedisCellLimiter plain = await Engine.LimiterAsync(engine, Engine.Options(Engine.UniquePrefix("no-module")));
            Assert.False(plain.UsesRedisCellModule, $"{engine} has no CL.THROTTLE");
        }

        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        await using RedisCellLimiter withModule = await Engine.LimiterAsync(Engine.RedisModule, Engine.Options(Engine.UniquePrefix("module-multi")));
        RedisCellOptions off = Engine.Options(Engine.UniquePrefix("module-off"));
        off.RedisCellModule = RedisCellModuleUse.Never;
        RedisCellOptions clientClock = Engine.Options(Engine.UniquePrefix("module-client-clock"));
        clientClock.Clock = ClockSource.Client;
        long before = await ModuleCallsAsync(redis);
        foreach (RedisCellOptions options in new[] { off, clientClock })
        {
            await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
            Assert.False(limiter.UsesRedisCellModule);
            var rule = new RateLimitRule(Policy, "k");
            Assert.Equal([false, false, false, true], new[] { limiter.Check(rule), await limiter.CheckAsync(rule), limiter.Check(rule), await limiter.CheckAsync(rule) }.Select(r => r.Limited));
        }

        // Multi-rule checks decide every rule before writing any: always the library's script.
        Assert.True(withModule.UsesRedisCellModule);
        RateLimitRule[] rules = [new(Policy, "a"), new(new GcraPolicy(0, 1, 60), "b")];
        Assert.False(withModule.Check(rules).Limited);
        RateLimitResult refused = await withModule.CheckAsync(rules);
        Assert.True(refused.Limited);
        Assert.Equal("b", refused.Rule.Key);
        Assert.Equal(0, await ModuleCallsAsync(redis) - before);
    }

    /// <summary>The module and the script keep one state: a fleet can move from one to the other call by call.</summary>
    [Fact]
    public async Task The_module_and_the_script_share_one_state()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        string prefix = Engine.UniquePrefix("module-shared");
        RedisCellOptions scriptOptions = Engine.Options(prefix);
        scriptOptions.RedisCellModule = RedisCellModuleUse.Never;
        await using RedisCellLimiter module = await Engine.LimiterAsync(Engine.RedisModule, Engine.Options(prefix));
        await using RedisCellLimiter script = await Engine.LimiterAsync(Engine.RedisModule, scriptOptions);
        Assert.True(module.UsesRedisCellModule);
        Assert.False(script.UsesRedisCellModule);

        var policy = new GcraPolicy(maxBurst: 5, count: 1, periodSeconds: 3600);
        var rule = new RateLimitRule(policy, "shared");
        var answers = new List<RateLimitResult>();
        for (int i = 0; i < 10; i++) answers.Add(i % 2 == 0 ? await module.CheckAsync(rule) : script.Check(rule));
        Assert.Equal(6, answers.Count(r => !r.Limited));
        Assert.Equal([5L, 4, 3, 2, 1, 0, 0, 0, 0, 0], answers.Select(r => r.Remaining));
        Assert.All(answers.Skip(6), r => Assert.Equal(3600, r.ToCellReply().RetryAfterSeconds));
    }

    [Fact]
    public async Task Direct_decisions_are_the_command_itself_with_the_modules_whole_seconds()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-direct"));
        options.RedisCellModule = RedisCellModuleUse.Direct;
        await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
        Assert.True(limiter.UsesRedisCellModule);

        long before = await ModuleCallsAsync(redis), scriptsBefore = await CallsAsync(redis, "evalsha");
        var rule = new RateLimitRule(Policy, "user:42");
        RateLimitResult[] results =
        [
            limiter.Check(rule),
            await limiter.CheckAsync(rule),
            limiter.Check(rule),
            await limiter.CheckAsync(rule),
            limiter.Check(rule),
        ];
        Assert.Equal(5, await ModuleCallsAsync(redis) - before);
        Assert.Equal(0, await CallsAsync(redis, "evalsha") - scriptsBefore);

        Assert.Equal([false, false, false, true, true], results.Select(r => r.Limited));
        Assert.Equal([2L, 1, 0, 0, 0], results.Select(r => r.Remaining));
        Assert.All(results.Skip(3), r => Assert.Equal(new CellThrottleReply(1, 3, 0, 60, 180), r.ToCellReply()));

        // Whole seconds, read as the last instant of the second: a caller who waits is never early.
        Assert.All(results.Skip(3), r => Assert.Equal(TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(1), r.RetryAfter));
        Assert.Equal(TimeSpan.FromSeconds(180) + TimeSpan.FromMilliseconds(1), results[2].ResetAfter);

        // Fixed windows and multi-rule checks still run the scripts.
        Assert.False((await limiter.CheckAsync(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "w"))).Limited);
        Assert.True(limiter.Check([new RateLimitRule(Policy, "user:42"), new RateLimitRule(Policy, "other")]).Limited);
        Assert.Equal(5, await ModuleCallsAsync(redis) - before);
    }

    [Fact]
    public async Task Concurrent_direct_decisions_allow_exactly_the_limit_without_batching()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.RedisModule);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-direct-load"));
        options.RedisCellModule = RedisCellModuleUse.Direct;
        await using RedisCellLimiter limiter = await Engine.LimiterAsync(Engine.RedisModule, options);
        var hot = new GcraPolicy(maxBurst: 49, count: 1, periodSeconds: 3600);
        long batchedBefore = limiter.BatchedDecisions, before = await ModuleCallsAsync(redis);

        RateLimitResult[] results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
            limiter.CheckAsync(new RateLimitRule(hot, "hot")).AsTask())));
        RateLimitResult afterwards = limiter.Check(new RateLimitRule(hot, "hot"));

        Assert.Equal(50, results.Count(r => !r.Limited));
        Assert.True(afterwards.Limited);
        Assert.Equal(401, await ModuleCallsAsync(redis) - before);
        Assert.Equal(batchedBefore, limiter.BatchedDecisions);
    }

    [Fact]
    public async Task A_direct_decision_that_finds_the_module_gone_is_decided_by_the_script()
    {
        await using RedisServerProcess server = await ClThrottleStandIn.StartServerAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix("module-direct-gone")); // FailClosed: a decision not made would throw
        options.RedisCellModule = RedisCellModuleUse.Direct;
        await using var limiter = new RedisCellLimiter(redis, options);
        Assert.True(await limiter.WarmUpAsync());
        var rule = new RateLimitRule(Policy, "k");
        Assert.False(limiter.Check(rule).Limited);

        await redis.GetDatabase().ExecuteAsync("MODULE", "UNLOAD", "redis-cell");
        RateLimitResult second = await limiter.CheckAsync(rule);
        Assert.False(second.Limited);
        Assert.Equal(1, second.Remaining);
        Assert.False(limiter.UsesRedisCellModule);
        Assert.False(limiter.Check(rule).Limited);
        Assert.True((await limiter.CheckAsync(rule)).Limited);

        // And the same when the first call to find it gone is synchronous.
        await redis.GetDatabase().ExecuteAsync("MODULE", "LOAD", ClThrottleStandIn.Library);
        Assert.True(await limiter.WarmUpAsync());
        Assert.True(limiter.UsesRedisCellModule);
        await redis.GetDatabase().ExecuteAsync("MODULE", "UNLOAD", "redis-cell");
        Assert.True(limiter.Check(rule).Limited);
        Assert.False(limiter.UsesRedisCellModule);
    }

    private static long ServerNowNs(ConnectionMultiplexer redis)
    {
        DateTime now = redis.GetServers()[0].Time();
        return (now.Ticks - DateTime.UnixEpoch.Ticks) * 100;
    }

    // How many times CL.THROTTLE ran on the server (from scripts too), from INFO commandstats.
    private static Task<long> ModuleCallsAsync(ConnectionMultiplexer redis) => CallsAsync(redis, "cl.throttle");

    private static async Task<long> CallsAsync(ConnectionMultiplexer redis, string command)
    {
        string info = (await redis.GetServers()[0].ExecuteAsync("INFO", "commandstats")).ToString();
        foreach (string line in info.Split('\n'))
        {
            if (!line.StartsWith("cmdstat_" + command + ":", StringComparison.Ordinal)) continue;
            string calls = line.Split(':')[1].Split(',')[0];
            return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return 0;
    }
}
