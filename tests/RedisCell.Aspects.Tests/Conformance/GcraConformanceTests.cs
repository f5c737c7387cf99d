using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Conformance;

/// <summary>
/// Replays every call recorded from the real redis-cell module against <c>cl_throttle.lua</c> on
/// real servers and against the in-process twin: reply, stored value and PTTL must match line by line.
/// </summary>
[Trait("Category", "Conformance")]
public sealed class GcraConformanceTests
{
    private const long RealTimeMarginMs = 60_000;

    /// <summary>Engine, vector file, and which arithmetic: the relative fast path the script picks, or its exact pair path forced.</summary>
    public static TheoryData<string, string, string> EngineFiles
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (string engine in Engine.Available)
            {
                foreach (string file in GcraVector.Files)
                {
                    data.Add(engine, file, "as shipped");
                    data.Add(engine, file, "pairs forced");
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(GcraVector.Files), MemberType = typeof(GcraVector))]
    public void InProcessTwinMatchesTheModule(string file)
    {
        IReadOnlyList<GcraVector> vectors = GcraVector.Load(file);
        var clock = new FakeTimeProvider();
        using var limiter = new InProcessCellLimiter(new RedisCellOptions { TimeProvider = clock });
        foreach (GcraVector v in vectors)
        {
            clock.SetUtcNow(DateTimeOffset.UnixEpoch.AddTicks(v.NowNs / 100));
            var rule = new RateLimitRule(new GcraPolicy(v.MaxBurst, v.Count, v.Period), v.Key, v.Quantity);
            RateLimitResult result = limiter.Check(rule);
            (string? stored, long pttl) = limiter.Inspect(v.Key);

            Assert.True(ToArray(result.ToCellReply()).SequenceEqual(v.Reply), $"{v}: replied [{string.Join(", ", ToArray(result.ToCellReply()))}], the module [{string.Join(", ", v.Reply)}]");
            (string? expectedStored, long expectedPttl) = v.ExpectedState(stored);
            Assert.True(expectedStored == stored, $"{v}: stored {stored ?? "nothing"}, the module {expectedStored ?? "nothing"}");
            Assert.True(expectedPttl == pttl, $"{v}: PTTL {pttl}, the module {expectedPttl}");
        }
    }

    /// <summary>
    /// A server's clock cannot be set, so the script is run with the time argument and the harness
    /// plays the keyspace clock: before each call it restores the state the previous calls left
    /// (value and the TTL remaining at the vector's instant, or nothing once expired), and the
    /// call's GET and PTTL are read inside the same script execution. The TTL the script computed
    /// must equal the module's exactly; the PTTL the server reports may trail it only by the real
    /// milliseconds that passed during the round trip.
    /// </summary>
    [Theory]
    [MemberData(nameof(EngineFiles))]
    public async Task LuaScriptMatchesTheModule(string engine, string file, string arithmetic)
    {
        IReadOnlyList<GcraVector> vectors = GcraVector.Load(file);
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("conformance");
        string probe = ProbeScript(forcePairs: arithmetic == "pairs forced");
        var state = new Dictionary<string, (string Value, long DeadlineMs)>();
        try
        {
            foreach (GcraVector v in vectors)
            {
                string key = prefix + v.Key;
                long nowMs = v.NowNs / 1_000_000;
                if (state.TryGetValue(key, out var s) && nowMs > s.DeadlineMs) state.Remove(key);

                // The server's clock runs on from the moment the state is restored.
                var realTime = Stopwatch.StartNew();
                if (state.TryGetValue(key, out s))
                {
                    // Restored with a margin so that a slow round trip cannot expire it for real.
                    long restoredPttl = s.DeadlineMs - nowMs;
                    await db.StringSetAsync(key, s.Value, TimeSpan.FromMilliseconds(restoredPttl + RealTimeMarginMs));
                }
                else
                {
                    await db.KeyDeleteAsync(key);
                }

                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(
                    probe,
                    [key],
                    [v.MaxBurst, v.Count, v.Period, v.Quantity, v.NowNs / 1000, "1"]))!;
                long slackMs = (long)realTime.Elapsed.TotalMilliseconds + 1;

                var cell = (RedisResult[])reply[0]!;
                long[] five = cell.Take(5).Select(r => (long)r).ToArray();
                string? stored = (string?)reply[1];
                long observedPttl = (long)reply[2];

                Assert.True(five.SequenceEqual(v.Reply), $"{engine} {v}: replied [{string.Join(", ", five)}], the module [{string.Join(", ", v.Reply)}]");
                (string? expectedStored, long expectedPttl) = v.ExpectedState(stored);
                Assert.True(expectedStored == stored, $"{engine} {v}: stored {stored ?? "nothing"}, the module {expectedStored ?? "nothing"}");

                bool allowed = five[0] == 0;
                long ttlMs = (((long)cell[7] * 1_000_000_000L) + (long)cell[8]) / 1_000_000;
                if (stored is null)
                {
                    state.Remove(key);
                    Assert.Equal(-2, observedPttl);
                }
                else if (allowed)
                {
                    // What the script handed to SET PX is exactly the module's TTL...
                    Assert.True(ttlMs == expectedPttl, $"{engine} {v}: set a TTL of {ttlMs} ms, the module {expectedPttl} ms");
                    state[key] = (stored, nowMs + ttlMs);
                }

                // ...and the server holds the key with that TTL (or the restored one, when the call
                // wrote nothing), less the real time that passed.
                if (stored is not null)
                {
                    long held = allowed ? expectedPttl : expectedPttl + RealTimeMarginMs;
                    long lag = held - observedPttl;
                    Assert.True(lag >= 0 && lag <= slackMs, $"{engine} {v}: the server reports PTTL {observedPttl}, expected {held} (allowed lag {slackMs} ms)");
                }
            }
        }
        finally
        {
            foreach (string key in vectors.Select(v => prefix + v.Key).Distinct()) await db.KeyDeleteAsync(key);
        }
    }

    // cl_throttle.lua itself, with its final reply extended by GET and PTTL of the key, read inside the
    // same atomic script execution so no real millisecond can expire the key in between. Forcing the
    // pairs sets the fast path's reach to nothing, so every call takes gcra_far.
    private static string ProbeScript(bool forcePairs)
    {
        const string finalReturn = "return gcra_reply(d, ARGV[6] == '1')";
        const string reach = "local NEAR = 4503599627370496";
        string text = LuaScript.ClThrottle.Text.TrimEnd();
        Assert.Contains(reach, text);
        if (forcePairs) text = text.Replace(reach, "local NEAR = -1");
        Assert.EndsWith(finalReturn, text);
        return text[..^finalReturn.Length]
            + "return {gcra_reply(d, ARGV[6] == '1'), redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}\n";
    }

    private static long[] ToArray(CellThrottleReply r) => [r.Limited, r.Limit, r.Remaining, r.RetryAfterSeconds, r.ResetAfterSeconds];
}
