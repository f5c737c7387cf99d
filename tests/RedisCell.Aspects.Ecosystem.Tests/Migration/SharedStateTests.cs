using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Ecosystem.Tests.Migration;

/// <summary>
/// A fleet moving from redis-cell's CL.THROTTLE to the library can switch call by call: the stored
/// state is the same (a decimal-nanosecond TAT with a millisecond TTL under the same key). The legacy
/// side here is cl_throttle.lua evaluated with CL.THROTTLE's own arguments, as a drop-in for servers
/// without the module; the library side uses KeyPrefix "" and a key template that renders to the
/// same key.
/// </summary>
public sealed class SharedStateTests
{
    private static readonly string s_clThrottle = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripts", "cl_throttle.lua"));

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task LegacyAndLibraryCallsAlternateOnOneLimit(string engine)
    {
        ConnectionMultiplexer connection = await Servers.ConnectionAsync(engine);
        IDatabase db = connection.GetDatabase();
        using var library = new RedisCellLimiter(connection, Servers.Options(""));
        string userId = "mig-" + Guid.NewGuid().ToString("N");
        string key = $"user:{userId}";
        var policy = new GcraPolicy(maxBurst: 2, count: 1, periodSeconds: 60);
        var rule = new RateLimitRule(policy, RateLimitKey.Create($"user:{userId}"));
        Assert.Equal(key, rule.Key);

        // CL.THROTTLE user:<id> 2 1 60: a limit of 3.
        long[] first = await LegacyThrottleAsync(db, key, 2, 1, 60);
        Assert.Equal([0, 3, 2, -1], first[..4]);

        RateLimitResult second = await library.CheckAsync(rule);
        Assert.True(second.Allowed);
        Assert.Equal(1, second.Remaining);

        long[] third = await LegacyThrottleAsync(db, key, 2, 1, 60);
        Assert.Equal([0, 3, 0, -1], third[..4]);

        RateLimitResult fourth = await library.CheckAsync(rule);
        Assert.True(fourth.Limited);
        Assert.InRange(fourth.RetryAfter, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));

        long[] fifth = await LegacyThrottleAsync(db, key, 2, 1, 60);
        Assert.Equal(1, fifth[0]);
        Assert.InRange(fifth[3], 55, 60);

        // Both sides store the module's format: a decimal-nanosecond TAT with a TTL.
        string stored = (await db.StringGetAsync(key))!;
        Assert.Matches("^[0-9]{19}$", stored);
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(170), TimeSpan.FromSeconds(180));
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task TheLegacyReplyAndTheLibrarysCellReplyAgree(string engine)
    {
        ConnectionMultiplexer connection = await Servers.ConnectionAsync(engine);
        IDatabase db = connection.GetDatabase();
        using var library = new RedisCellLimiter(connection, Servers.Options(""));
        string key = "agree:" + Guid.NewGuid().ToString("N");
        var rule = new RateLimitRule(new GcraPolicy(0, 10, 3600), key);

        // Library first, then the legacy client sees the consumed state, and the library sees the legacy's.
        CellThrottleReply fromLibrary = (await library.CheckAsync(rule)).ToCellReply();
        Assert.Equal(new CellThrottleReply(0, 1, 0, -1, 360), fromLibrary);
        long[] fromLegacy = await LegacyThrottleAsync(db, key, 0, 10, 3600);
        Assert.Equal(1, fromLegacy[0]);
        Assert.Equal(1, fromLegacy[1]);
        Assert.InRange(fromLegacy[3], 359, 360);
        CellThrottleReply again = (await library.CheckAsync(rule)).ToCellReply();
        Assert.Equal(1, again.Limited);
        Assert.InRange(again.RetryAfterSeconds, 359, 360);
    }

    // What an application that called the module does on a server without it: EVAL the drop-in script.
    private static async Task<long[]> LegacyThrottleAsync(IDatabase db, string key, long maxBurst, long count, long period)
    {
        RedisResult reply = await db.ScriptEvaluateAsync(s_clThrottle, [key], [maxBurst, count, period]);
        return (long[])reply!;
    }
}
