using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// Finds keys without a TTL, on every primary of a server or cluster. Tests that delete what a
/// limiter or script wrote (or whose server goes away with them) audit their own prefix first, and
/// <c>TtlAuditTests</c> audits whatever the whole suite left on the shared servers at the end.
/// </summary>
public static class TtlAudit
{
    /// <summary>How many keys match <paramref name="pattern"/> (a SCAN pattern), and those of them that never expire.</summary>
    public static async Task<(int Scanned, List<string> WithoutTtl)> ScanAsync(IConnectionMultiplexer redis, string pattern)
    {
        IDatabase db = redis.GetDatabase();
        var withoutTtl = new List<string>();
        int scanned = 0;
        foreach (IServer server in Engine.Primaries(redis))
        {
            await foreach (RedisKey key in server.KeysAsync(pattern: pattern, pageSize: 500))
            {
                scanned++;

                // A key that expired between the scan and the TTL read has no TTL and no longer exists.
                if (await db.KeyTimeToLiveAsync(key) is null && await db.KeyExistsAsync(key)) withoutTtl.Add(key!);
            }
        }

        return (scanned, withoutTtl);
    }

    /// <summary>
    /// Asserts that every key under <paramref name="prefix"/> expires, and that at least
    /// <paramref name="atLeast"/> were there to audit (so an audit of nothing does not pass).
    /// </summary>
    public static async Task<int> AssertEveryKeyExpiresAsync(IConnectionMultiplexer redis, string prefix, int atLeast = 1)
    {
        (int scanned, List<string> withoutTtl) = await ScanAsync(redis, Glob(prefix) + "*");
        Assert.True(withoutTtl.Count == 0, $"Keys under {prefix} without a TTL: {string.Join(", ", withoutTtl.Take(20))}");
        Assert.True(scanned >= atLeast, $"Only {scanned} keys under {prefix} were left to audit; at least {atLeast} were expected.");
        return scanned;
    }

    // The prefix as a literal in a SCAN pattern.
    private static string Glob(string prefix) =>
        string.Concat(prefix.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));
}
