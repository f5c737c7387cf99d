using System.Diagnostics;
using RedisCell.Aspects.Tests.Infrastructure;
using RedisCell.Aspects.TestServers;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// <see cref="RedisCellOptions.Failure.LogInterval"/>: an outage is logged once per interval, each
/// entry counting the decisions that followed the failure policy since the previous one, and zero
/// logs every such decision. The store is a port nobody listens on, so every decision fails at once.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class FailureLogTests(ITestOutputHelper output)
{
    private static readonly RateLimitRule Rule = new(new GcraPolicy(0, 1, 60), "k");

    [Fact]
    public async Task ALongerOutageLogsOneEntryPerIntervalAndTheEntriesCountEveryDecision()
    {
        TimeSpan interval = TimeSpan.FromMilliseconds(200);
        var logs = new RecordingLogs();
        await using RedisCellLimiter limiter = await DeadStoreAsync(logs, interval);

        // Four callers for 1.1 s, one decision each about every 2 ms.
        var clock = Stopwatch.StartNew();
        long decisions = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 2000 && clock.Elapsed < TimeSpan.FromMilliseconds(1100); i++)
            {
                Assert.True((await limiter.CheckAsync(Rule)).Allowed); // FailOpen
                Interlocked.Increment(ref decisions);
                await Task.Delay(2);
            }
        })));
        double outageMs = clock.Elapsed.TotalMilliseconds;
        LogEntry[] during = Entries(logs);

        // One more failure an interval later reports what the last entry did not yet count.
        await Task.Delay(interval + TimeSpan.FromMilliseconds(20));
        Assert.True((await limiter.CheckAsync(Rule)).Allowed);
        decisions++;
        LogEntry[] all = Entries(logs);

        double[] gaps = all.Zip(all.Skip(1), (a, b) => b.AtMs - a.AtMs).ToArray();
        output.WriteLine($"FIGURE failure-log interval_ms={interval.TotalMilliseconds:0} outage_ms={outageMs:0} decisions={decisions} entries_during={during.Length} entries={all.Length} min_gap_ms={gaps.Min():0.0}");

        // Several entries, at most one per interval: the gap between two is the interval (less the
        // few microseconds between deciding to log and the entry's timestamp, given 10 ms here).
        Assert.InRange(during.Length, 4, (int)(outageMs / interval.TotalMilliseconds) + 1);
        Assert.All(gaps, gap => Assert.True(gap >= interval.TotalMilliseconds - 10, $"two entries {gap:0.0} ms apart"));

        // Each entry counts the decisions since the previous one: together, every decision once.
        Assert.Equal(decisions, all.Sum(e => Convert.ToInt64(e.Value("Decisions"))));
    }

    [Fact]
    public async Task AZeroIntervalLogsEveryDecisionInAnEntryOfItsOwn()
    {
        var logs = new RecordingLogs();
        await using RedisCellLimiter limiter = await DeadStoreAsync(logs, TimeSpan.Zero);

        // Concurrent failures: with an interval, those that arrive together share one entry.
        const int Callers = 8, CallsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (int i = 0; i < CallsEach; i++) Assert.True(caller % 2 == 0 ? limiter.Check(Rule).Allowed : (await limiter.CheckAsync(Rule)).Allowed);
        })));

        LogEntry[] entries = Entries(logs);
        Assert.Equal(Callers * CallsEach, entries.Length);
        Assert.All(entries, e => Assert.Equal(1L, Convert.ToInt64(e.Value("Decisions"))));
    }

    private static LogEntry[] Entries(RecordingLogs logs) =>
        logs.Entries.Where(e => e.Id.Name == "StoreUnavailable").OrderBy(e => e.AtMs).ToArray();

    private static Task<RedisCellLimiter> DeadStoreAsync(RecordingLogs logs, TimeSpan interval) =>
        RedisCellLimiter.ConnectAsync($"127.0.0.1:{FreePort.Next()}", new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("failure-log"),
            LoggerFactory = logs,
            Failure = { Mode = FailureMode.FailOpen, LogInterval = interval },
        });
}
