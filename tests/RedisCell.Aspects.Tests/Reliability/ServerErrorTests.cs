using System.Diagnostics;
using RedisCell.Aspects.Tests.Infrastructure;
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// A server that is up but cannot decide answers with an error, not silence: out of memory
/// (<c>OOM</c>), busy running a long script (<c>BUSY</c>), or a replica after a failover
/// (<c>READONLY</c>). Each is brought about for real on a private redis-server, and every decision
/// meanwhile follows the failure policy, at once, under each policy; once the server can decide
/// again Redis answers, and what the policy answered consumed nothing there.
/// </summary>
/// <remarks>
/// The rule is GCRA with a burst of 10 and one request per hour, as in <see cref="OutageTests"/>:
/// FailOpen allows every call, FailClosed throws <see cref="RateLimiterUnavailableException"/>, and
/// the local twin (share 0.5) allows five and then refuses. The breaker is set never to open, so
/// that every decision meets the server's error itself.
/// </remarks>
[Trait("Category", "Reliability")]
public sealed class ServerErrorTests(ITestOutputHelper output)
{
    private const int Decisions = 8;
    private static readonly GcraPolicy Policy = new(maxBurst: 9, count: 1, periodSeconds: 3600);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public static TheoryData<string, FailureMode> ErrorsAndPolicies
    {
        get
        {
            var data = new TheoryData<string, FailureMode>();
            foreach (string error in new[] { "OOM", "BUSY", "READONLY" })
            {
                foreach (FailureMode policy in Enum.GetValues<FailureMode>()) data.Add(error, policy);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ErrorsAndPolicies))]
    public async Task AServerThatAnswersWithAnErrorIsAnsweredByTheFailurePolicy(string error, FailureMode failurePolicy)
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        // The new primary of a failover; it serves a replica at once instead of after the default 5 s.
        await using RedisServerProcess? primary = error == "READONLY" ? await RedisServerProcess.StartAsync(null, "--repl-diskless-sync-delay", "0") : null;
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IServer redis = admin.GetServer(admin.GetEndPoints()[0]);
        var logs = new RecordingLogs();
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("server-error"),
            LoggerFactory = logs,
            Failure = { Mode = failurePolicy, LocalShare = 0.5, Timeout = Timeout, BreakAfterFailures = 1000 },
            DenyCache = { Capacity = 0 },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        var rule = new RateLimitRule(Policy, "k");
        Assert.Equal((DecisionSource.Store, 9L), Answer(limiter.Check(rule)));

        Task ending = await BeginAsync(error, redis, primary, options.KeyPrefix + rule.Key);
        var calls = new List<(Source Source, bool Allowed, double Ms, Exception? Failure)>();
        for (int i = 0; i < Decisions; i++)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                RateLimitResult result = i % 2 == 0 ? limiter.Check(rule) : await limiter.CheckAsync(rule);
                Assert.Equal(DecisionSource.FailureMode, result.Source);
                calls.Add((result.Limit == 5 ? Source.Local : Source.FailOpen, result.Allowed, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null));
            }
            catch (RateLimiterUnavailableException unavailable)
            {
                calls.Add((Source.Unavailable, false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, unavailable.InnerException));
            }
        }

        await EndAsync(error, redis, ending);
        var mending = Stopwatch.StartNew();
        RateLimitResult after = default;
        for (int i = 0; i < 500 && mending.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            after = await limiter.CheckAsync(rule);
            if (after.Source == DecisionSource.Store) break;
            await Task.Delay(20);
        }

        string? reason = logs.Entries.FirstOrDefault(e => e.Id.Name == "StoreUnavailable")?.Value("Reason")?.ToString();
        output.WriteLine($"FIGURE server-error={error} policy={failurePolicy} decisions={calls.Count} by={string.Join("/", calls.GroupBy(c => c.Source).Select(g => $"{g.Key}:{g.Count()}"))} allowed={calls.Count(c => c.Allowed)} worst_ms={calls.Max(c => c.Ms):0.0} store_again_after_ms={mending.Elapsed.TotalMilliseconds:0} reason=\"{reason}\"");

        // The server's own error reached the policy: the log names it, and so does FailClosed's exception.
        Assert.StartsWith(error, reason);
        if (failurePolicy == FailureMode.FailClosed)
        {
            Assert.All(calls, c => Assert.Equal(Source.Unavailable, c.Source));
            Assert.StartsWith(error, calls[0].Failure!.Message, StringComparison.Ordinal);
        }
        else if (failurePolicy == FailureMode.Local)
        {
            Assert.All(calls, c => Assert.Equal(Source.Local, c.Source));
            Assert.Equal(5, calls.Count(c => c.Allowed)); // this process's share of the burst of 10
        }
        else
        {
            Assert.All(calls, c => Assert.True(c.Source == Source.FailOpen && c.Allowed));
        }

        // Answered at once: an error reply is not a timeout.
        Assert.All(calls, c => Assert.True(c.Ms < Timeout.TotalMilliseconds / 2, $"a decision took {c.Ms:0} ms"));

        // Redis decides again, and the policy's answers took nothing from it.
        Assert.Equal(DecisionSource.Store, after.Source);
        Assert.Equal(8, after.Remaining);
        await TtlAudit.AssertEveryKeyExpiresAsync(admin, options.KeyPrefix);
    }

    private static (DecisionSource, long) Answer(RateLimitResult result) => (result.Source, result.Remaining);

    // Makes the server answer decisions with `error`; the task returned is what must end before it can decide again.
    private static async Task<Task> BeginAsync(string error, IServer redis, RedisServerProcess? primary, string key)
    {
        switch (error)
        {
            case "OOM":
                await redis.ConfigSetAsync("maxmemory-policy", "noeviction");
                await redis.ConfigSetAsync("maxmemory", "1");
                return Task.CompletedTask;
            case "BUSY":
            {
                // A read-only script that spins for 2 s on the server clock (bounded by it); past
                // busy-reply-threshold every other command is answered BUSY. A third connection
                // sees that before the decisions start.
                await redis.ConfigSetAsync("busy-reply-threshold", "50");
                await using ConnectionMultiplexer probe = await ConnectionMultiplexer.ConnectAsync(redis.Multiplexer.Configuration);
                const string Spin = "local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - start > tonumber(ARGV[1]) return 1";
                Task spinning = redis.Multiplexer.GetDatabase().ScriptEvaluateAsync(Spin, [], [2_000_000]);
                var waiting = Stopwatch.StartNew();
                while (!await BusyAsync(probe) && waiting.Elapsed < TimeSpan.FromSeconds(1)) await Task.Delay(10);
                Assert.True(await BusyAsync(probe), "the server did not answer BUSY while the script ran");
                return spinning;
            }
            default:
            {
                // A failover demotes the server the limiter is connected to, once the new primary
                // holds what it held (here, the one key), and it synchronises from it.
                await using ConnectionMultiplexer promoted = await ConnectionMultiplexer.ConnectAsync(primary!.Configuration);
                IDatabase db = redis.Multiplexer.GetDatabase();
                TimeSpan ttl = (await db.KeyTimeToLiveAsync(key))!.Value;
                Assert.True(await promoted.GetDatabase().StringSetAsync(key, await db.StringGetAsync(key), ttl));
                await redis.ExecuteAsync("REPLICAOF", "127.0.0.1", primary.Port);
                var syncing = Stopwatch.StartNew();
                while (!await SyncedAsync(redis) && syncing.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
                Assert.True(await SyncedAsync(redis), "the demoted server did not synchronise from its new primary");
                return Task.CompletedTask;
            }
        }
    }

    private static async Task<bool> SyncedAsync(IServer redis) =>
        (await redis.InfoRawAsync("replication") ?? "").Contains("master_link_status:up", StringComparison.Ordinal);

    private static async Task<bool> BusyAsync(ConnectionMultiplexer probe)
    {
        try
        {
            await probe.GetDatabase().PingAsync();
            return false;
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSY", StringComparison.Ordinal))
        {
            return true;
        }
    }

    private static async Task EndAsync(string error, IServer redis, Task ending)
    {
        await ending.WaitAsync(TimeSpan.FromSeconds(10));
        if (error == "OOM") await redis.ConfigSetAsync("maxmemory", "0");
        if (error == "READONLY") await redis.ExecuteAsync("REPLICAOF", "NO", "ONE");
    }
}
