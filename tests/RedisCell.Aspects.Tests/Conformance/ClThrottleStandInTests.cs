using System.Diagnostics;
using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Conformance;

/// <summary>
/// The module-backed suites run on a stand-in for redis-cell (the real module cannot be built
/// here). These replays tie it to the real one: every call recorded from redis-cell 0.5.0, sent to
/// the stand-in's CL.THROTTLE on a server of its own with its clock set to the recording's instant,
/// must give the module's reply, stored value and TTL, line by line.
/// </summary>
[Trait("Category", "Conformance")]
public sealed class ClThrottleStandInTests
{
    private const long RealTimeMarginMs = 60_000;

    // The call and what it left, read in one script execution so no real millisecond passes between them.
    private const string ThrottleAndRead =
        "local r = redis.call('CL.THROTTLE', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) return { r, redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1]) }";

    [Theory]
    [MemberData(nameof(GcraVector.Files), MemberType = typeof(GcraVector))]
    public async Task TheStandInMatchesTheModule(string file)
    {
        // A server of its own: the stand-in's clock is the whole server's.
        await using RedisServerProcess server = await ClThrottleStandIn.StartServerAsync();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IDatabase db = redis.GetDatabase();
        var state = new Dictionary<string, (string Value, long DeadlineMs)>();
        foreach (GcraVector v in GcraVector.Load(file))
        {
            // The keyspace clock is played as in GcraConformanceTests: the state the previous calls
            // left is restored before each call (a real TTL cannot wait for the recording's gaps).
            long nowMs = v.NowNs / 1_000_000;
            if (state.TryGetValue(v.Key, out var s) && nowMs > s.DeadlineMs) state.Remove(v.Key);
            var realTime = Stopwatch.StartNew();
            if (state.TryGetValue(v.Key, out s)) await db.StringSetAsync(v.Key, s.Value, TimeSpan.FromMilliseconds(s.DeadlineMs - nowMs + RealTimeMarginMs));
            else await db.KeyDeleteAsync(v.Key);

            await db.ExecuteAsync("CLTEST.CLOCK", v.NowNs);
            var read = (RedisResult[])(await db.ScriptEvaluateAsync(ThrottleAndRead, [v.Key], [v.MaxBurst, v.Count, v.Period, v.Quantity]))!;
            long slackMs = (long)realTime.Elapsed.TotalMilliseconds + 1;

            long[] reply = ((RedisResult[])read[0]!).Select(r => (long)r).ToArray();
            Assert.True(reply.SequenceEqual(v.Reply), $"{v}: the stand-in replied [{string.Join(", ", reply)}], the module [{string.Join(", ", v.Reply)}]");
            string? stored = (string?)read[1] is { Length: > 0 } value ? value : null;
            long pttl = (long)read[2];
            Assert.True(stored == v.Stored, $"{v}: the stand-in stored {stored ?? "nothing"}, the module {v.Stored ?? "nothing"}");
            if (v.Reply[0] == 0 && stored is not null)
            {
                // A TTL it set is the module's, less the real time that passed since.
                long lag = v.Pttl - pttl;
                Assert.True(lag >= 0 && lag <= slackMs, $"{v}: PTTL {pttl} ms, the module {v.Pttl} ms (allowed lag {slackMs} ms)");
                state[v.Key] = (stored, nowMs + v.Pttl);
            }
            else if (stored is null)
            {
                state.Remove(v.Key);
            }
        }
    }
}
