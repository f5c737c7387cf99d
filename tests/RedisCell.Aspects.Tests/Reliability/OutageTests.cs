using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// A real redis-server is killed (SIGKILL) or frozen (SIGSTOP) while four callers keep deciding,
/// then brought back. For each failure policy, on the synchronous and the asynchronous path: what
/// every caller saw, how long any call waited, and how soon decisions came from Redis again.
/// </summary>
/// <remarks>
/// The rule is GCRA with a burst of 10 and one request per hour, so each answer shows where it came
/// from: Redis's answers carry a reset-after of about an hour per request; FailOpen's carry none;
/// the local twin (share 0.5) enforces a limit of 5; FailClosed throws.
/// </remarks>
[Trait("Category", "Reliability")]
public sealed class OutageTests(ITestOutputHelper output)
{
    /// <summary>
    /// The margin over the timeout a call may take: scheduling on a loaded two-core machine, not
    /// the store. Three runs of this class on the shared machine (load average 5-11) measured at
    /// most 22 ms over the timeout (docs/reliability.md has the figures); 100 ms leaves room for
    /// a slower moment without hiding a second timeout.
    /// </summary>
    private static readonly TimeSpan LatencyMargin = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(1);
    private static readonly GcraPolicy Policy = new(maxBurst: 9, count: 1, periodSeconds: 3600);
    private const int CallerCount = 4;
    private const double LocalShare = 0.5;

    public static TheoryData<FailureMode, bool> PoliciesAndPaths
    {
        get
        {
            var data = new TheoryData<FailureMode, bool>();
            foreach (FailureMode policy in Enum.GetValues<FailureMode>())
            {
                data.Add(policy, true);
                data.Add(policy, false);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PoliciesAndPaths))]
    public async Task KilledAndRestarted(FailureMode failurePolicy, bool synchronous)
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await RunOutageAsync("killed", failurePolicy, synchronous, server, userConnection: false, async callers =>
        {
            double down = callers.NowMs;
            server.Kill(); // returns once the process is gone
            double gone = callers.NowMs;
            await Task.Delay(1200);
            double restarting = callers.NowMs;
            await server.StartAgainAsync(); // returns within a few ms of the server answering PING
            return (down, gone, restarting, callers.NowMs);
        });
    }

    [Theory]
    [MemberData(nameof(PoliciesAndPaths))]
    public async Task FrozenAndResumed(FailureMode failurePolicy, bool synchronous)
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await RunOutageAsync("frozen", failurePolicy, synchronous, server, userConnection: false, FreezeAsync(server));
    }

    /// <summary>
    /// A limiter on the application's own connection, whose SyncTimeout is the StackExchange.Redis
    /// default of 5 s: synchronous decisions still wait no longer than the limiter's timeout (they go
    /// through a dedicated connection), asynchronous ones stop waiting at it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FrozenUnderTheApplicationsOwnConnection(bool synchronous)
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await RunOutageAsync("frozen-app-connection", FailureMode.FailOpen, synchronous, server, userConnection: true, FreezeAsync(server));
    }

    private static Func<Callers, Task<(double Down, double Gone, double Mending, double Up)>> FreezeAsync(RedisServerProcess server) => async callers =>
    {
        double down = callers.NowMs;
        server.Pause();
        double stopped = callers.NowMs;
        await Task.Delay(1200);
        double resumed = callers.NowMs;
        server.Resume();
        return (down, stopped, resumed, resumed);
    };

    private async Task RunOutageAsync(
        string kind,
        FailureMode failurePolicy,
        bool synchronous,
        RedisServerProcess server,
        bool userConnection,
        Func<Callers, Task<(double Down, double Gone, double Mending, double Up)>> outage)
    {
        // A service warms up before it takes traffic: the first decision of a cold process (JIT,
        // loading the scripts into the server) can take longer than 100 ms on a loaded machine.
        await WarmUpAsync(server);
        var logs = new RecordingLogs();
        using var errors = new ErrorMetric();
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("outage"),
            LoggerFactory = logs,
            // What the failure policy answers is measured here; the deny cache would answer for
            // keys already known to be limited (LocalDenyCacheTests shows that).
            DenyCache = { Capacity = 0 },
            Failure = { Mode = failurePolicy, LocalShare = LocalShare },
        };
        ConnectionMultiplexer? application = null;
        RedisCellLimiter limiter;
        if (userConnection)
        {
            // What an application typically has: StackExchange.Redis's defaults (SyncTimeout 5 s,
            // commands queued while disconnected), except a steady reconnect so recovery is measurable.
            var configuration = ConfigurationOptions.Parse(server.Configuration);
            configuration.ReconnectRetryPolicy = new LinearRetry(500);
            application = await ConnectionMultiplexer.ConnectAsync(configuration);
            Assert.Equal(5000, application.TimeoutMilliseconds);
            limiter = new RedisCellLimiter(application, options);
        }
        else
        {
            limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        }

        try
        {
            var rule = new RateLimitRule(Policy, "hot");
            long localLimit = (long)(Policy.Limit * LocalShare);
            var callers = new Callers();
            Source Classify(RateLimitResult result) =>
                result.Limit == localLimit ? Source.Local
                : result.Allowed && result.ResetAfter == TimeSpan.Zero ? Source.FailOpen
                : Source.Store;

            callers.Start(CallerCount, synchronous, () => limiter.Check(rule), () => limiter.CheckAsync(rule), Classify);
            await Task.Delay(400);
            // Down: from the kill or freeze until the server is started or resumed. Up: the server answers.
            (double down, double gone, double mending, double up) = await outage(callers);
            double? recovered = await callers.WaitForStoreAsync(mending, TimeSpan.FromSeconds(5));
            await Task.Delay(300);
            await callers.StopAsync();

            Call[] calls = [.. callers.Calls];
            Call[] before = calls.Where(c => c.StartMs + c.ElapsedMs < down).ToArray();
            Call[] during = calls.Where(c => c.StartMs >= gone && c.StartMs + c.ElapsedMs < mending).ToArray();
            Call[] after = recovered is null ? [] : calls.Where(c => c.StartMs > recovered.Value).ToArray();
            double worst = calls.Max(c => c.ElapsedMs);
            int paidTimeout = during.Count(c => c.ElapsedMs >= options.Failure.Timeout.TotalMilliseconds * 0.9);
            Source fallback = failurePolicy switch
            {
                FailureMode.FailOpen => Source.FailOpen,
                FailureMode.FailClosed => Source.Unavailable,
                _ => Source.Local,
            };

            output.WriteLine(
                $"FIGURE outage={kind} policy={failurePolicy} path={(synchronous ? "sync" : "async")} " +
                $"calls={calls.Length} before={before.Length} during={during.Length} during_by={Summary(during)} paid_timeout={paidTimeout} " +
                $"worst_ms={worst:0.0} recovery_ms={(recovered is null ? "none" : Math.Max(0, recovered.Value - up).ToString("0"))} after={after.Length} after_by={Summary(after)} " +
                $"error_metric={errors.Count(Tag(failurePolicy))} logs={string.Join(",", logs.Entries.GroupBy(e => e.Id.Name).Select(g => g.Key + "x" + g.Count()))}");
            foreach (Call slow in calls.OrderByDescending(c => c.ElapsedMs).Take(3))
            {
                output.WriteLine($"SLOWEST start={slow.StartMs - down:0}ms after the outage began (server answered at {up - down:0}), waited {slow.ElapsedMs:0.0} ms, {slow.Source} {slow.Error}");
            }

            // Nothing the policy did not promise.
            Assert.DoesNotContain(calls, c => c.Source == Source.Unexpected);
            Assert.All(calls, c => Assert.True(c.Source == Source.Store || c.Source == fallback, $"{c} under {failurePolicy}"));

            // Healthy: every answer from Redis. Down: every answer from the failure policy, and many of them.
            Assert.NotEmpty(before);
            Assert.All(before, c => Assert.Equal(Source.Store, c.Source));
            Assert.True(during.Length >= CallerCount * 20, $"only {during.Length} calls were answered during the outage");
            Assert.All(during, c => Assert.Equal(fallback, c.Source));
            if (failurePolicy == FailureMode.Local)
            {
                // The twin allows this process's share of the burst and then refuses, as Redis would.
                Assert.Equal(localLimit, calls.Count(c => c.Source == Source.Local && c.Allowed));
            }

            // Bounded latency, and the breaker spares almost every call the timeout.
            Assert.True(worst <= (options.Failure.Timeout + LatencyMargin).TotalMilliseconds, $"a call waited {worst:0} ms");
            Assert.True(paidTimeout <= (2 * CallerCount) + 12, $"{paidTimeout} calls waited for the timeout during the outage");

            // Back within a second of the server answering, and from then on only Redis answers.
            Assert.True(recovered is not null, "no decision came from Redis after it answered again");
            Assert.True(recovered.Value - up <= RecoveryBound.TotalMilliseconds, $"recovered {recovered.Value - up:0} ms after the server answered");
            Assert.NotEmpty(after);
            Assert.All(after, c => Assert.Equal(Source.Store, c.Source));

            // Every fallback is counted; the log has one entry for the outage, not one per call.
            Assert.Equal(calls.Count(c => c.Source == fallback), errors.Count(Tag(failurePolicy)));
            Assert.Equal(1, logs.Count("StoreUnavailable"));
            Assert.True(logs.Count("CircuitOpened") >= 1);
            Assert.True(logs.Count("CircuitClosed") >= 1);

            // What was written before and after the outage expires: this server goes away with the test.
            await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
            await TtlAudit.AssertEveryKeyExpiresAsync(admin, options.KeyPrefix);
        }
        finally
        {
            await limiter.DisposeAsync();
            if (application is not null) await application.DisposeAsync();
        }
    }

    /// <summary>
    /// Forty decisions arrive together at a hung server: two go at once, the rest queue for a batch
    /// behind them. Each keeps the deadline it was given when it was made, so a queued decision is
    /// not given a fresh timeout when its batch is finally sent: none waits longer than one timeout
    /// (with two, the queued ones would wait about twice as long).
    /// </summary>
    [Fact]
    public async Task DecisionsQueuedBehindAHungServerKeepTheirOwnTimeout()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await WarmUpAsync(server);
        TimeSpan timeout = TimeSpan.FromMilliseconds(400);
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("hung-queue"),
            Failure = { Mode = FailureMode.FailOpen, Timeout = timeout },
            DenyCache = { Capacity = 0 },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        var rule = new RateLimitRule(new GcraPolicy(1000, 1000, 1), "k");
        await limiter.CheckAsync(rule);

        await AllAnsweredByFailOpenWithinTheTimeoutAsync(server, limiter, rule, calls: 40, timeout);
    }

    [Fact]
    public async Task CallsWaitingForAnotherCallsAnswerKeepOneTimeout()
    {
        // A key the deny cache remembers as full, about to free up: calls that arrive together wait
        // for the one asking Redis. With Redis hung, each asker times out, the waiters find the key
        // still near its limit and follow the next asker: without one deadline per call a waiter
        // would pay the timeout once per asker it followed.
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await WarmUpAsync(server);
        TimeSpan timeout = TimeSpan.FromMilliseconds(400);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("hung-waiters"),
            // several askers in a row reach the hung server
            Clock = ClockSource.Client,
            TimeProvider = clock,
            Failure = { Mode = FailureMode.FailOpen, Timeout = timeout, BreakAfterFailures = 8 },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        var rule = new RateLimitRule(new GcraPolicy(4, 1, 60), "hot");
        for (int i = 0; i < 5; i++) Assert.False((await limiter.CheckAsync(rule)).Limited);
        Assert.True((await limiter.CheckAsync(rule)).Limited);
        clock.Advance(TimeSpan.FromSeconds(61));

        await AllAnsweredByFailOpenWithinTheTimeoutAsync(server, limiter, rule, calls: 10, timeout);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ANoScriptAnswerKeepsTheDecisionsTimeout(bool synchronous)
    {
        // The server lost its scripts (SCRIPT FLUSH, as after a restart or failover), answers
        // NOSCRIPT late, and then hangs: a resend of the script text would get no answer.
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await using var proxy = new NoScriptStallProxy(server.Port);
        TimeSpan timeout = TimeSpan.FromMilliseconds(600), noScriptAfter = TimeSpan.FromMilliseconds(450);
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("noscript"),
            Failure = { Mode = FailureMode.FailOpen, Timeout = timeout },
            DenyCache = { Capacity = 0 },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(proxy.Configuration + ",abortConnect=false", options);
        var rule = new RateLimitRule(new GcraPolicy(1000, 1000, 1), "k");
        for (int i = 0; i < 3; i++)
        {
            Assert.True(limiter.Check(rule).ResetAfter > TimeSpan.Zero); // answered by Redis
            Assert.True((await limiter.CheckAsync(rule)).ResetAfter > TimeSpan.Zero);
        }

        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).ScriptFlushAsync();
        }

        proxy.Arm(noScriptAfter);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        RateLimitResult result = synchronous ? limiter.Check(rule) : await limiter.CheckAsync(rule);
        TimeSpan waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        output.WriteLine($"FIGURE noscript path={(synchronous ? "sync" : "async")} waited_ms={waited.TotalMilliseconds:0} noscript_after_ms={noScriptAfter.TotalMilliseconds:0} timeout_ms={timeout.TotalMilliseconds:0}");

        Assert.Equal(1, proxy.Stalled);
        Assert.True(result.Allowed && result.ResetAfter == TimeSpan.Zero, "the failure mode (FailOpen) should have answered");

        // The resend gets what is left of the one timeout, on either path (a fresh timeout for the
        // resend took 1070 ms here, and a synchronous resend on the connection's SyncTimeout up to
        // twice the timeout, 1052-1241 ms, before the resend was bounded by the deadline).
        Assert.True(waited < timeout + LatencyMargin, $"the decision waited {waited.TotalMilliseconds:0} ms");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ADecisionThatMeetsNoScriptIsStillDecidedByTheServer(bool synchronous)
    {
        // After a restart, a SCRIPT FLUSH or a failover to a replica that never loaded the script,
        // the first decisions resend its text within their own timeout: a server that is up decides
        // every call. FailClosed and a breaker that opens after one failure show any that did not.
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("noscript-decided"),
            Failure = { Mode = FailureMode.FailClosed, BreakAfterFailures = 1, BreakDuration = TimeSpan.FromMinutes(5), Timeout = TimeSpan.FromMilliseconds(500) },
            DenyCache = { Capacity = 0 },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(server.Configuration, options);
        var rule = new RateLimitRule(Policy, "k");
        Assert.Equal(9, limiter.Check(rule).Remaining);
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IServer redis = admin.GetServer(admin.GetEndPoints()[0]);
        for (int flush = 0; flush < 3; flush++)
        {
            await redis.ScriptFlushAsync();
            RateLimitResult result = synchronous ? limiter.Check(rule) : await limiter.CheckAsync(rule);
            Assert.Equal((DecisionSource.Store, 8 - flush), (result.Source, result.Remaining));
        }

        // The resend put the script back: the next decision finds it.
        Assert.True(await redis.ScriptExistsAsync(RedisScript.Batch.Hash));
    }

    [Fact]
    public async Task EveryCircuitOpenFailureHasItsOwnException()
    {
        // FailClosed exposes why the store was not asked as the InnerException, whose Data any
        // caller may write: one instance shared by every call would carry one caller's data to all.
        var options = new RedisCellOptions
        {
            KeyPrefix = Engine.UniquePrefix("circuit-open"),
            Failure = { Mode = FailureMode.FailClosed, BreakAfterFailures = 1, BreakDuration = TimeSpan.FromMinutes(5) },
        };
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{FreePort.Next()},abortConnect=false", options);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), "k");

        var circuitOpen = new List<Exception>();
        for (int i = 0; i < 10 && circuitOpen.Count < 4; i++)
        {
            RateLimiterUnavailableException refused = i % 2 == 0
                ? Assert.Throws<RateLimiterUnavailableException>(() => limiter.Check(rule))
                : await Assert.ThrowsAsync<RateLimiterUnavailableException>(() => limiter.CheckAsync(rule).AsTask());
            if (refused.InnerException is RedisCell.Aspects.Resilience.StoreCircuitOpenException open) circuitOpen.Add(open);
        }

        Assert.Equal(4, circuitOpen.Count);
        circuitOpen[0].Data["caller"] = "first";
        Assert.Equal(4, circuitOpen.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(circuitOpen.Skip(1), e => Assert.Empty(e.Data));
    }

    // Pauses the server, makes concurrent decisions on rule, and shows each was answered by the
    // failure policy (FailOpen) no later than the timeout plus a margin for a loaded machine.
    private async Task AllAnsweredByFailOpenWithinTheTimeoutAsync(RedisServerProcess server, RedisCellLimiter limiter, RateLimitRule rule, int calls, TimeSpan timeout)
    {
        server.Pause();
        (TimeSpan Waited, RateLimitResult Result)[] answers;
        try
        {
            answers = await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                RateLimitResult result = await limiter.CheckAsync(rule);
                return (System.Diagnostics.Stopwatch.GetElapsedTime(started), result);
            }));
        }
        finally
        {
            server.Resume();
        }

        TimeSpan worst = answers.Max(c => c.Waited);
        output.WriteLine($"FIGURE hung-concurrent calls={calls} worst_ms={worst.TotalMilliseconds:0} timeout_ms={timeout.TotalMilliseconds:0}");
        Assert.All(answers, c => Assert.True(c.Result.Allowed)); // FailOpen
        Assert.True(worst < timeout + LatencyMargin, $"a decision waited {worst.TotalMilliseconds:0} ms");
    }

    private static async Task WarmUpAsync(RedisServerProcess server)
    {
        await using RedisCellLimiter warm = await RedisCellLimiter.ConnectAsync(server.Configuration, Engine.Options(Engine.UniquePrefix("warm")));
        var rule = new RateLimitRule(new GcraPolicy(1000, 1000, 1), "k");
        for (int i = 0; i < 3; i++)
        {
            warm.Check(rule);
            await warm.CheckAsync(rule);
        }
    }

    private static string Tag(FailureMode policy) => policy switch
    {
        FailureMode.FailOpen => "fail_open",
        FailureMode.FailClosed => "fail_closed",
        _ => "local",
    };

    private static string Summary(IEnumerable<Call> calls) =>
        string.Join("/", calls.GroupBy(c => c.Source).Select(g => $"{g.Key}:{g.Count()}"));
}
