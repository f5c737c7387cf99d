using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// Every key a limiter writes carries a TTL. Three checks, run after every other collection: the
/// audit can see a key without one on every primary; every way a limiter writes leaves only keys
/// that expire; and whatever the suite left on the shared servers expires.
/// </summary>
/// <remarks>
/// The last check alone could pass without seeing much: keys expire (most within seconds) and
/// several suites delete what they wrote, or use servers of their own. Those suites audit their own
/// prefix before they delete or stop anything (<see cref="TtlAudit"/>), and the second check here
/// drives every write path itself, so that it means something even when it runs on its own.
/// </remarks>
[Collection(AuditLastOrderer.AuditCollection)]
public sealed class TtlAuditTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task TheAuditFindsAKeyWithoutATtlOnEveryPrimary(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("audit-control");

        // One key that never expires on each primary (on a cluster, a name whose slot that node serves).
        var planted = new List<string>();
        IServer[] primaries = Engine.Primaries(redis).ToArray();
        foreach (IServer server in primaries)
        {
            string key = primaries.Length == 1 ? prefix + "p0" : Enumerable.Range(0, 10_000).Select(i => $"{prefix}p{i}").First(k => Equals(db.IdentifyEndpoint(k), server.EndPoint));
            await db.StringSetAsync(key, "forever");
            await db.StringSetAsync(key + ":expiring", "soon", TimeSpan.FromMinutes(1));
            planted.Add(key);
        }

        try
        {
            (int scanned, List<string> withoutTtl) = await TtlAudit.ScanAsync(redis, prefix + "*");
            Assert.Equal(2 * planted.Count, scanned);
            Assert.Equal(planted.Order(StringComparer.Ordinal), withoutTtl.Order(StringComparer.Ordinal));
            await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix));
        }
        finally
        {
            foreach (string key in planted.SelectMany(k => new[] { k, k + ":expiring" })) await db.KeyDeleteAsync(key); // one key per command: they are on different nodes
        }
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task EveryWayALimiterWritesLeavesOnlyKeysThatExpire(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("audit-writes");
        RedisCellOptions options = Engine.Options(prefix);
        options.DenyCache.Capacity = 0; // every call reaches the server
        using var limiter = new RedisCellLimiter(redis, options);
        var gcra = new GcraPolicy(2, 10, 60);
        var window = new FixedWindowPolicy(3, TimeSpan.FromMinutes(1)); // keys that outlive a slow test

        // GCRA alone, sync and async: allowed, limited, peeked (quantity 0, existing and missing
        // key), too large to ever pass, and a TTL that truncates to 0 ms (T = 1 µs), deleted.
        for (int i = 0; i < 4; i++) limiter.Check(new RateLimitRule(gcra, "gcra"));
        await limiter.CheckAsync(new RateLimitRule(gcra, "gcra", 0));
        await limiter.CheckAsync(new RateLimitRule(gcra, "gcra-missing", 0));
        limiter.Check(new RateLimitRule(gcra, "gcra-never", 10));
        limiter.Check(new RateLimitRule(new GcraPolicy(0, 1_000_000, 1), "gcra-instant"));

        // Fixed windows: the first call, increments, refusals, a cost above the limit.
        for (int i = 0; i < 5; i++) await limiter.CheckAsync(new RateLimitRule(window, "window"));
        limiter.Check(new RateLimitRule(window, "window-never", 4));

        // Several rules at once (co-located under a hash tag on a cluster), allowed and refused.
        RateLimitRule[] both = [new(gcra, "multi-g"), new(window, "multi-w")];
        for (int i = 0; i < 4; i++) limiter.Check(both);
        await limiter.CheckAsync(both);

        // Asynchronous decisions that arrive together are batched into one script.
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => limiter.CheckAsync(new RateLimitRule(i % 2 == 0 ? gcra : window, $"batched:{i % 8}")).AsTask()));

        // The token budget: consumed, refused, read, and one user reset and charged again.
        var budget = new TokenBudgetLimiter(100, limiter, "budget:");
        await budget.CheckAndConsumeAsync("ann", 60);
        await budget.CheckAndConsumeAsync("ann", 60);
        await budget.CheckAndConsumeAsync("bob", 1);
        await budget.GetRemainingAsync("carol");
        await budget.ResetAsync("bob");
        await budget.CheckAndConsumeAsync("bob", 1);

        // The client clock, and a reset followed by a new write.
        RedisCellOptions clientClock = Engine.Options(prefix + "client:");
        clientClock.Clock = ClockSource.Client;
        clientClock.TimeProvider = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using (var client = new RedisCellLimiter(redis, clientClock))
        {
            client.Check(new RateLimitRule(gcra, "gcra"));
            await client.CheckAsync(new[] { new RateLimitRule(gcra, "multi-g"), new RateLimitRule(window, "multi-w") });
        }

        limiter.Reset("gcra");
        limiter.Check(new RateLimitRule(gcra, "gcra"));

        // gcra, window, multi-g and multi-w (twice each: server and client clock, where the
        // co-located ones are separate keys), eight batched keys, ann and bob.
        int audited = await TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix, atLeast: 16);
        output.WriteLine($"FIGURE ttl-audit-writes engine={engine} keys={audited}");
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task EveryKeyLeftOnTheServerExpires(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);

        // Write once more here so the audit never runs on an empty server.
        using (var limiter = new RedisCellLimiter(redis, Engine.Options(Engine.UniquePrefix("audit"))))
        {
            limiter.Check(new RateLimitRule(new GcraPolicy(1, 10, 60), "gcra"));
            limiter.Check(new RateLimitRule(FixedWindowPolicy.PerSecond(5), "window"));
        }

        (int scanned, List<string> withoutTtl) = await TtlAudit.ScanAsync(redis, "*");

        // Which suites' keys are still there (for the record: most expire within seconds).
        var bySuite = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (IServer server in Engine.Primaries(redis))
        {
            await foreach (RedisKey key in server.KeysAsync(pattern: "t:*", pageSize: 500))
            {
                string[] parts = ((string)key!).Split(':', 3);
                string suite = parts.Length > 1 ? parts[1] : "?";
                bySuite[suite] = bySuite.GetValueOrDefault(suite) + 1;
            }
        }

        output.WriteLine($"FIGURE ttl-audit-suite engine={engine} keys={scanned} by_suite={string.Join(",", bySuite.Select(s => $"{s.Key}:{s.Value}"))}");
        Assert.True(scanned >= 2, $"Only {scanned} keys were found on {engine}.");
        Assert.True(withoutTtl.Count == 0, $"Keys without a TTL on {engine}: {string.Join(", ", withoutTtl.Take(20))}");
    }
}
