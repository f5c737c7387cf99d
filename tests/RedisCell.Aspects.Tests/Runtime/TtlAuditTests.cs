using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>After the whole suite: every key any limiter wrote still carries a TTL.</summary>
[Collection(AuditLastOrderer.AuditCollection)]
public sealed class TtlAuditTests
{
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task EveryKeyLeftOnTheServerExpires(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();

        // The suite writes through every limiter before this runs (this collection is ordered last);
        // write once more here so the audit never passes on an empty server.
        using var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("audit")));
        limiter.Check(new RateLimitRule(new GcraPolicy(1, 10, 60), "gcra"));
        limiter.Check(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "window"));
        limiter.Check([new RateLimitRule(new GcraPolicy(1, 10, 60), "multi-g"), new RateLimitRule(FixedWindowPolicy.TokensPerMinute(100), "multi-w", 7)]);

        var withoutTtl = new List<string>();
        int scanned = 0;
        foreach (IServer server in Engine.Primaries(redis))
        {
            await foreach (RedisKey key in server.KeysAsync(pattern: "*", pageSize: 500))
            {
                scanned++;
                TimeSpan? ttl = await db.KeyTimeToLiveAsync(key);
                if (ttl is null && await db.KeyExistsAsync(key)) withoutTtl.Add(key!);
            }
        }

        Assert.True(scanned >= 4, $"Only {scanned} keys were found on {engine}.");
        Assert.True(withoutTtl.Count == 0, $"Keys without a TTL on {engine}: {string.Join(", ", withoutTtl.Take(20))}");
    }
}
