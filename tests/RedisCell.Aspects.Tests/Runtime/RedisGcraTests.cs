using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>GCRA on real servers: the limiter, and cl_throttle.lua used on its own as CL.THROTTLE.</summary>
public sealed class RedisGcraTests
{
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task AllowsTheBurstThenRefusesWithAnExactRetryAfter(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("gcra")));
        var rule = new RateLimitRule(new GcraPolicy(maxBurst: 4, count: 1, periodSeconds: 60), "user:1");

        for (int i = 0; i < 5; i++)
        {
            RateLimitResult allowed = await limiter.CheckAsync(rule);
            Assert.True(allowed.Allowed, $"call {i + 1} of the burst of 5");
            Assert.Equal(5, allowed.Limit);
            Assert.Equal(4 - i, allowed.Remaining);
        }

        var refused = await Assert.ThrowsAsync<RateLimitExceededException>(() => limiter.AcquireAsync(rule).AsTask());
        Assert.Equal("user:1", refused.Key);
        Assert.Same(rule.Policy, refused.Policy);
        Assert.Equal(5, refused.Limit);
        Assert.Equal(0, refused.Remaining);

        // Five requests at one per minute: the next is allowed one minute after the first, less the
        // time already spent; the reply is exact, not rounded to seconds.
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, refused.RetryAfter.Ticks % TimeSpan.TicksPerSecond);
        Assert.InRange(refused.ResetAfter, TimeSpan.FromSeconds(295), TimeSpan.FromSeconds(300));
        CellThrottleReply cell = refused.Result.ToCellReply();
        Assert.Equal(new CellThrottleReply(1, 5, 0, 60, 300), cell);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task SyncAndAsyncAgree(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("sync")));
        var rule = new RateLimitRule(new GcraPolicy(1, 1, 60), "k");
        Assert.True(limiter.Check(rule).Allowed);
        Assert.True((await limiter.CheckAsync(rule)).Allowed);
        Assert.True(limiter.Check(rule).Limited);
        Assert.Throws<RateLimitExceededException>(() => limiter.Acquire(rule));
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task QuantityZeroReadsWithoutConsuming(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("peek");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        var policy = new GcraPolicy(9, 10, 60);

        RateLimitResult missing = await limiter.CheckAsync(new RateLimitRule(policy, "k", 0));
        Assert.Equal((false, 10L, 10L), (missing.Limited, missing.Limit, missing.Remaining));
        Assert.False(await redis.GetDatabase().KeyExistsAsync(prefix + "k"));

        await limiter.CheckAsync(new RateLimitRule(policy, "k", 3));
        RateLimitResult peek = await limiter.CheckAsync(new RateLimitRule(policy, "k", 0));
        Assert.Equal(7, peek.Remaining);
        Assert.Equal(7, (await limiter.CheckAsync(new RateLimitRule(policy, "k", 0))).Remaining);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task AQuantityLargerThanTheLimitCanNeverPass(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("over")));
        RateLimitResult result = await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(4, 10, 60), "k", long.MaxValue));
        Assert.True(result.Limited);
        Assert.Equal(Timeout.InfiniteTimeSpan, result.RetryAfter);
        Assert.Equal(-1, result.ToCellReply().RetryAfterSeconds);
        Assert.Equal(5, (await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(4, 10, 60), "k", 0))).Remaining);
    }

    public static TheoryData<string, string> EnginesAndWrongValues
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string engine in Engine.Available)
            {
                foreach (string kind in new[] { "list", "hash", "abc", "-5", "1.5", "", "99999999999999999999999" }) data.Add(engine, kind);
            }

            return data;
        }
    }

    /// <summary>The module crashes the whole server on these; the script refuses them and touches nothing.</summary>
    [Theory]
    [MemberData(nameof(EnginesAndWrongValues))]
    public async Task AKeyHoldingAnythingElseIsAClearErrorAndIsLeftUntouched(string engine, string kind)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("wrongtype");
        string key = prefix + "k";
        switch (kind)
        {
            case "list": await db.ListRightPushAsync(key, ["a", "b"]); break;
            case "hash": await db.HashSetAsync(key, "f", "v"); break;
            default: await db.StringSetAsync(key, kind); break;
        }

        try
        {
            using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
            var ex = await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(new GcraPolicy(1, 1, 1), "k")).AsTask());
            Assert.Equal("k", ex.Key);
            Assert.Contains("left untouched", ex.Message);
            Assert.Throws<RedisCellException>(() => limiter.Check(new RateLimitRule(new GcraPolicy(1, 1, 1), "k")));

            switch (kind)
            {
                case "list": Assert.Equal(["a", "b"], (await db.ListRangeAsync(key)).Select(v => (string)v!)); break;
                case "hash": Assert.Equal("v", await db.HashGetAsync(key, "f")); break;
                default: Assert.Equal(kind, (string?)await db.StringGetAsync(key)); break;
            }

            Assert.Null(await db.KeyTimeToLiveAsync(key));
            Assert.True((await db.PingAsync()) < TimeSpan.FromSeconds(5));
        }
        finally
        {
            await db.KeyDeleteAsync(key);
        }
    }

    /// <summary>cl_throttle.lua on its own: EVALSHA with CL.THROTTLE's arguments and reply.</summary>
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task TheScriptIsADropInClThrottle(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripts", "cl_throttle.lua"));
        Assert.Equal(RedisScript.ClThrottle.Text, text.Replace("\r\n", "\n"));
        byte[] sha = [];
        foreach (IServer server in Engine.Primaries(redis)) sha = await server.ScriptLoadAsync(text);
        string key = Engine.UniquePrefix("dropin") + "k";
        try
        {
            var first = (long[])(await db.ScriptEvaluateAsync(sha, [key], [15, 30, 60]))!;
            Assert.Equal([0, 16, 15, -1, 2], first);
            var second = (long[])(await db.ScriptEvaluateAsync(sha, [key], [15, 30, 60, 1]))!;
            Assert.Equal([0, 16, 14, -1, 4], second);

            string stored = (await db.StringGetAsync(key))!;
            Assert.Matches("^[0-9]{19}$", stored);
            TimeSpan? ttl = await db.KeyTimeToLiveAsync(key);
            Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(3.9), TimeSpan.FromSeconds(4));
        }
        finally
        {
            await db.KeyDeleteAsync(key);
        }
    }

    public static TheoryData<string, string, string, string, string> EnginesAndBadArguments
    {
        get
        {
            var data = new TheoryData<string, string, string, string, string>();
            foreach (string engine in Engine.Available)
            {
                data.Add(engine, "-1", "30", "60", "1");
                data.Add(engine, "1", "0", "60", "1");
                data.Add(engine, "1", "30", "-60", "1");
                data.Add(engine, "1", "30", "60", "-1");
                data.Add(engine, "x", "30", "60", "1");
                data.Add(engine, "9007199254740991", "1", "60", "1");
                data.Add(engine, "9000000000", "1", "86400", "1");
                data.Add(engine, "1", "2000000", "1", "1");
                data.Add(engine, "1", "30", "99999999999999999999", "1");
            }

            return data;
        }
    }

    /// <summary>Where the module gives nonsense or leaves a key without a TTL, the script refuses before writing.</summary>
    [Theory]
    [MemberData(nameof(EnginesAndBadArguments))]
    public async Task TheScriptRefusesBadArgumentsAndWritesNothing(string engine, string burst, string count, string period, string quantity)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string key = Engine.UniquePrefix("badargs") + "k";
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => db.ScriptEvaluateAsync(RedisScript.ClThrottle.Text, [key], [burst, count, period, quantity]));
        Assert.StartsWith("ERR", ex.Message);
        Assert.False(await db.KeyExistsAsync(key));
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task RecoversWhenTheServerForgetsTheScript(string engine)
    {
        // A server of its own where one is cheap to start: a flush on a shared server would make every
        // other test's next decision resend its script (harmless now, but not what they measure).
        await using var privateServer = await PrivateServer.StartAsync(engine);
        ConnectionMultiplexer redis = privateServer?.Connection ?? await Engine.ConnectionAsync(engine);
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("noscript")));
        var rule = new RateLimitRule(new GcraPolicy(5, 10, 60), "k");
        Assert.True((await limiter.CheckAsync(rule)).Allowed);
        foreach (IServer server in Engine.Primaries(redis)) await server.ScriptFlushAsync();
        Assert.Equal(4, (await limiter.CheckAsync(rule)).Remaining);
        foreach (IServer server in Engine.Primaries(redis)) await server.ScriptFlushAsync();
        Assert.Equal(3, limiter.Check(rule).Remaining);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task TheClientClockOptionGivesTheSameAnswersAsTheServerClock(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("clock");
        using var server = new RedisCellLimiter(redis, Engine.Options(prefix + "s:"));
        RedisCellOptions clientClock = Engine.Options(prefix + "c:");
        clientClock.Clock = ClockSource.Client;
        using var client = new RedisCellLimiter(redis, clientClock);
        var policy = new GcraPolicy(2, 1, 3600);
        for (int i = 0; i < 4; i++)
        {
            RateLimitResult a = await server.CheckAsync(new RateLimitRule(policy, "k"));
            RateLimitResult b = await client.CheckAsync(new RateLimitRule(policy, "k"));
            Assert.Equal(a.ToCellReply(), b.ToCellReply());
        }
    }
}
