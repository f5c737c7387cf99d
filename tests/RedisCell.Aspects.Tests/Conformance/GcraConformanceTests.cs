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

    // A missing key reads as the empty string, which no GCRA state ever is.
    private const string ReadValueAndPttl = "local v = redis.call('GET', KEYS[1]) return { v or '', redis.call('PTTL', KEYS[1]) }";

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
        using var limiter = new InProcessCellLimiter(clock);
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
        string probe = ClThrottleProbe.Script(forcePairs: arithmetic == "pairs forced");
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

                ClThrottleProbe.Observation o = ClThrottleProbe.Read(await db.ScriptEvaluateAsync(
                    probe,
                    [key],
                    [v.MaxBurst, v.Count, v.Period, v.Quantity, v.NowNs / 1000, "1"]));
                long slackMs = (long)realTime.Elapsed.TotalMilliseconds + 1;

                long[] five = o.Reply[..5];
                Assert.True(five.SequenceEqual(v.Reply), $"{engine} {v}: replied [{string.Join(", ", five)}], the module [{string.Join(", ", v.Reply)}]");
                string? stored = o.State;
                (string? expectedStored, long expectedPttl) = v.ExpectedState(stored);
                Assert.True(expectedStored == stored, $"{engine} {v}: stored {stored ?? "nothing"}, the module {expectedStored ?? "nothing"}");

                if (stored is null)
                {
                    state.Remove(key);
                }
                else if (o.Allowed)
                {
                    // What the script handed to SET PX is exactly the module's TTL...
                    Assert.True(o.WrittenTtlMs == expectedPttl, $"{engine} {v}: set a TTL of {o.WrittenTtlMs} ms, the module {expectedPttl} ms");
                    state[key] = (stored, nowMs + o.WrittenTtlMs);
                }

                // ...and the server holds the key with that TTL (or the restored one, when the call
                // wrote nothing), less the real time that passed.
                if (o.Held is not null)
                {
                    long held = o.Allowed ? expectedPttl : expectedPttl + RealTimeMarginMs;
                    long lag = held - o.HeldPttl;
                    Assert.True(lag >= 0 && lag <= slackMs, $"{engine} {v}: the server reports PTTL {o.HeldPttl}, expected {held} (allowed lag {slackMs} ms)");
                }
            }

            // The keys are deleted below, before the suite's TTL audit could see them.
            await TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix, atLeast: 0);
        }
        finally
        {
            foreach (string key in vectors.Select(v => prefix + v.Key).Distinct()) await db.KeyDeleteAsync(key);
        }
    }

    /// <summary>
    /// The same replay through <see cref="RedisCellLimiter"/> itself, on the client clock: what the
    /// library sends (<c>batch.lua</c>, which carries <c>cl_throttle.lua</c>'s functions, with its
    /// compact reply) must give the module's five numbers and leave the module's state.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task TheLimitersScriptMatchesTheModule(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("conformance-limiter");
        foreach (string file in GcraVector.Files)
        {
            // Each file's clock starts anew; a fake clock only moves forward.
            var clock = new FakeTimeProvider();
            RedisCellOptions options = Engine.Options(prefix);
            options.Clock = ClockSource.Client;
            options.TimeProvider = clock;
            options.DenyCache.Capacity = 0; // every call reaches the script
            using var limiter = new RedisCellLimiter(redis, options);

            // Before each call the key holds what the module held (see LuaScriptMatchesTheModule).
            var state = new Dictionary<string, (string Value, long DeadlineMs)>();
            foreach (GcraVector v in GcraVector.Load(file))
            {
                string key = prefix + v.Key;
                long nowMs = v.NowNs / 1_000_000;
                if (state.TryGetValue(key, out var s) && nowMs > s.DeadlineMs) state.Remove(key);
                if (state.TryGetValue(key, out s)) await db.StringSetAsync(key, s.Value, TimeSpan.FromMilliseconds(s.DeadlineMs - nowMs + RealTimeMarginMs));
                else await db.KeyDeleteAsync(key);

                clock.SetUtcNow(DateTimeOffset.UnixEpoch.AddTicks(v.NowNs / 100));
                var realTime = Stopwatch.StartNew();
                RateLimitResult result = await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(v.MaxBurst, v.Count, v.Period), v.Key, v.Quantity));
                // Value and PTTL read together: a key written with a TTL of a few milliseconds may
                // expire between two separate reads.
                var held = (RedisResult[])(await db.ScriptEvaluateAsync(ReadValueAndPttl, [key]))!;
                string? stored = (string?)held[0] is { Length: > 0 } value ? value : null;
                long pttl = (long)held[1];
                long slackMs = (long)realTime.Elapsed.TotalMilliseconds + 1;

                long[] five = ToArray(result.ToCellReply());
                Assert.True(five.SequenceEqual(v.Reply), $"{engine} {v}: replied [{string.Join(", ", five)}], the module [{string.Join(", ", v.Reply)}]");
                (string? expectedStored, long expectedPttl) = v.ExpectedState(stored);
                if (stored is null && expectedStored is not null)
                {
                    // Written with the module's few milliseconds of TTL, and gone for real since.
                    Assert.True(!result.Limited && expectedPttl <= slackMs, $"{engine} {v}: stored nothing, the module {expectedStored} for {expectedPttl} ms");
                }
                else
                {
                    Assert.True(expectedStored == stored, $"{engine} {v}: stored {stored ?? "nothing"}, the module {expectedStored ?? "nothing"}");
                    if (stored is not null && !result.Limited)
                    {
                        long lag = expectedPttl - pttl;
                        Assert.True(lag >= 0 && lag <= slackMs, $"{engine} {v}: the server reports PTTL {pttl} ms, the module {expectedPttl} ms (allowed lag {slackMs} ms)");
                    }
                }

                if (expectedStored is null) state.Remove(key);
                else if (!result.Limited) state[key] = (expectedStored, nowMs + expectedPttl);
            }

            await TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix, atLeast: 0);
            foreach (string key in state.Keys) await db.KeyDeleteAsync(key);
        }
    }

    private static long[] ToArray(CellThrottleReply r) => [r.Limited, r.Limit, r.Remaining, r.RetryAfterSeconds, r.ResetAfterSeconds];
}
