using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// The limiter the environment configures (REDIS_URL, or REDIS_HOST and REDIS_PORT): limited from a
/// process's first call, shared with the next process, and bounded when nothing answers.
/// </summary>
public sealed class EnvironmentLimiterTests(ITestOutputHelper output)
{
    /// <summary>Scheduling on a loaded two-core machine: the calls measured here wait for nothing else.</summary>
    private static readonly TimeSpan LatencyMargin = TimeSpan.FromMilliseconds(150);

    [Theory]
    [MemberData(nameof(EnginesAndPaths))]
    public async Task TheFirstCallIsDecidedByRedisAndTheNextLimiterSeesIt(string engine, bool synchronous)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), Engine.UniquePrefix("env-first") + "once");
        await using CellLimiter first = EnvironmentLimiter.Create(Variables((SharedLimiter.RedisUrlVariable, redis.Configuration)));

        // Decided the moment the limiter exists: the call waits for the connection, not for nothing.
        RateLimitResult allowed = synchronous ? first.Check(rule) : await first.CheckAsync(rule);
        Assert.Equal((true, DecisionSource.Store), (allowed.Allowed, allowed.Source));
        RateLimitResult refused = synchronous ? first.Check(rule) : await first.CheckAsync(rule);
        Assert.True(refused.Limited);
        Assert.NotEqual(DecisionSource.FailureMode, refused.Source); // Redis, or its answer remembered

        // A second process started right after the first sees the state it left.
        await using CellLimiter second = EnvironmentLimiter.Create(Variables((SharedLimiter.RedisUrlVariable, redis.Configuration)));
        RateLimitResult next = synchronous ? second.Check(rule) : await second.CheckAsync(rule);
        Assert.Equal((true, DecisionSource.Store), (next.Limited, next.Source));
        Assert.True(await redis.GetDatabase().KeyExistsAsync(RedisCellOptions.DefaultKeyPrefix + rule.Key));
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task AProcessIsLimitedFromItsFirstCallAndTheNextProcessSeesItsState(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string run = Guid.NewGuid().ToString("N");
        string[] first = await RunFirstCallAppAsync(run, calls: 2, (SharedLimiter.RedisUrlVariable, redis.Configuration));
        string[] second = await RunFirstCallAppAsync(run, calls: 1, (SharedLimiter.RedisUrlVariable, redis.Configuration));
        output.WriteLine($"FIGURE first-call-process engine={engine} {first[^1]} then {second[^1]}");
        Assert.Equal(["allowed", "limited"], first[..2]);
        Assert.Equal(["limited"], second[..1]);
    }

    [Fact]
    public async Task TheFourVariablesTheDecoratorReadsConfigureTheLimiter()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync(null, "--requirepass", "s3cret");
        string run = Guid.NewGuid().ToString("N");
        (string, string?)[] variables = [("REDIS_HOST", "127.0.0.1"), ("REDIS_PORT", server.Port.ToString()), ("REDIS_DB", "3"), ("REDIS_PASSWORD", "s3cret")];
        Assert.Equal(["allowed", "limited"], (await RunFirstCallAppAsync(run, 2, variables))[..2]);

        var options = ConfigurationOptions.Parse(server.Configuration);
        options.Password = "s3cret";
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(options);
        Assert.True(await admin.GetDatabase(3).KeyExistsAsync($"{RedisCellOptions.DefaultKeyPrefix}first-call:{run}"));
    }

    [Fact]
    public async Task RedisUrlWinsOverTheFourVariables()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.Available[0]);
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), Engine.UniquePrefix("env-wins") + "k");
        await using CellLimiter limiter = EnvironmentLimiter.Create(Variables(
            (SharedLimiter.RedisUrlVariable, redis.Configuration), ("REDIS_HOST", "127.0.0.1"), ("REDIS_PORT", FreePort.Next().ToString())));
        Assert.Equal(DecisionSource.Store, (await limiter.CheckAsync(rule)).Source);
    }

    [Theory]
    [InlineData("REDIS_URL", "http://localhost:6520", "REDIS_URL")]
    [InlineData("REDIS_URL", "redis://127.0.0.1:notaport", "REDIS_URL")]
    [InlineData("REDIS_URL", "redis://127.0.0.1:6379/x", "REDIS_URL")]
    [InlineData("REDIS_URL", "redis://127.0.0.1:6379?timeout=5", "REDIS_URL")]
    [InlineData("REDIS_PORT", "six", "REDIS_PORT")]
    [InlineData("REDIS_PORT", "70000", "REDIS_PORT")]
    public void AValueThatCannotBeRedisIsAnErrorNamingTheVariable(string variable, string value, string named)
    {
        var error = Assert.Throws<RedisCellException>(() => EnvironmentLimiter.Create(Variables((variable, value))));
        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:6520")]
    [InlineData("redis://127.0.0.1:6379?timeout=5")]
    [InlineData(" ")]
    public async Task AConnectionStringThatCannotBeRedisIsAnArgumentExceptionForTheParameter(string configuration)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RedisCellLimiter.ConnectAsync(configuration));
        Assert.Equal("configuration", error.ParamName);
    }

    [Fact]
    public void ABadDatabaseNumberIsAnErrorNamingIt()
    {
        var error = Assert.Throws<RedisCellException>(() => EnvironmentLimiter.Create(Variables(("REDIS_HOST", "127.0.0.1"), ("REDIS_DB", "first"))));
        Assert.StartsWith("REDIS_DB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnyVariableLimitsAreKeptInProcessAndOneWarningSaysSo()
    {
        var logs = new RecordingLoggerFactory();
        using CellLimiter limiter = EnvironmentLimiter.Create(Variables(), logs);
        Assert.IsType<InProcessCellLimiter>(limiter);
        (string category, EventId id, LogLevel level, string message) warning = Assert.Single(logs.Entries);
        Assert.Equal(("RedisCell.Aspects", 105, "NoLimiterConfigured", LogLevel.Warning), (warning.category, warning.id.Id, warning.id.Name, warning.level));
        Assert.Contains("in this process only", warning.message);
    }

    /// <summary>
    /// The first use of <see cref="SharedLimiter.Current"/> with REDIS_URL at a port nobody listens
    /// on, or at a server that accepts connections and answers nothing (SIGSTOP). Nothing listening
    /// is known at once: every decision is answered by the failure mode well under a second. A hung
    /// server is waited for up to the connect budget, once; then the failure mode answers within the
    /// timeout. Once a server answers there, Redis decides.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUnreachableServerGetsEveryFirstDecisionFromTheFailureModeWithinTheConnectBudget(bool hung)
    {
        int port = FreePort.Next();
        RedisServerProcess? server = null;
        if (hung)
        {
            server = await RedisServerProcess.StartAsync(port);
            server.Pause();
        }

        string? url = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
        CellLimiter? before = SharedLimiter.Exchange(null);
        CellLimiter? first = null;
        try
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, $"redis://127.0.0.1:{port}");
            var rule = new RateLimitRule(new GcraPolicy(9, 1, 3600), Engine.UniquePrefix("env-unreachable") + "k");
            var waits = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int call = 0; call < 30; call++)
            {
                long started = Stopwatch.GetTimestamp();
                RateLimitResult result = call % 2 == 0 ? SharedLimiter.Current.Check(rule) : await SharedLimiter.Current.CheckAsync(rule);
                waits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                first ??= SharedLimiter.Current;
                Assert.Equal((true, DecisionSource.FailureMode), (result.Allowed, result.Source));
                await Task.Delay(40);
            }

            var mending = Stopwatch.StartNew();
            if (server is null) server = await RedisServerProcess.StartAsync(port);
            else server.Resume();
            RateLimitResult answered = default;
            while (mending.Elapsed < TimeSpan.FromSeconds(15))
            {
                answered = await SharedLimiter.Current.CheckAsync(rule);
                if (answered.Source == DecisionSource.Store) break;
                await Task.Delay(20);
            }

            TimeSpan budget = RedisCellOptions.DefaultConnectTimeout, timeout = FailureOptions.DefaultTimeout;
            output.WriteLine($"FIGURE env-first-use redis_url={(hung ? "hung" : "dead-port")} first_call_ms={waits[0]:0.0} worst_later_ms={waits.Skip(1).Max():0.0} calls={waits.Count} store_answered_after_ms={mending.Elapsed.TotalMilliseconds:0}");
            if (hung) Assert.True(waits[0] <= (budget + LatencyMargin).TotalMilliseconds, $"the first call waited {waits[0]:0} ms, past the {budget.TotalMilliseconds:0} ms connect budget");
            else Assert.True(waits[0] < 1000, $"the first call waited {waits[0]:0} ms with nothing listening");
            double later = waits.Skip(1).Max();
            Assert.True(later <= (timeout + LatencyMargin).TotalMilliseconds, $"a later call waited {later:0} ms: {string.Join(", ", waits.Select(w => w.ToString("0")))}");
            Assert.Equal(DecisionSource.Store, answered.Source);
            Assert.IsType<RedisCellLimiter>(SharedLimiter.Current);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, url);
            SharedLimiter.Exchange(before);
            if (first is not null) await first.DisposeAsync(); // disposes the connected limiter too
            if (server is not null) await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheConnectBudgetComesFromTheUrlsOwnConnectTimeout()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        server.Pause();
        await using CellLimiter limiter = EnvironmentLimiter.Create(Variables((SharedLimiter.RedisUrlVariable, $"redis://127.0.0.1:{server.Port}?connectTimeout=300")));
        var waited = Stopwatch.StartNew();
        RateLimitResult result = await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(1, 1, 60), "k"));
        output.WriteLine($"FIGURE env-connect-timeout budget_ms=300 first_call_ms={waited.Elapsed.TotalMilliseconds:0}");
        Assert.Equal(DecisionSource.FailureMode, result.Source);
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(300) + LatencyMargin);
        server.Resume();
    }

    [Fact]
    public void AMalformedRedisUrlFailsEveryUseOfTheSharedLimiterNamingIt()
    {
        CellLimiter? before = SharedLimiter.Exchange(null);
        string? url = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
        try
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, "redis://127.0.0.1:notaport");
            Assert.StartsWith("REDIS_URL", Assert.Throws<RedisCellException>(() => SharedLimiter.Current).Message, StringComparison.Ordinal);
            Assert.StartsWith("REDIS_URL", Assert.Throws<RedisCellException>(() => SharedLimiter.Current).Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, url);
            SharedLimiter.Exchange(before);
        }
    }

    public static TheoryData<string, bool> EnginesAndPaths()
    {
        var data = new TheoryData<string, bool>();
        foreach (string engine in Engine.Available)
        {
            data.Add(engine, true);
            data.Add(engine, false);
        }

        return data;
    }

    private static Func<string, string?> Variables(params (string Name, string? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    // Runs the first-call app with only the given REDIS_* variables set, and returns its lines.
    private static async Task<string[]> RunFirstCallAppAsync(string run, int calls, params (string Name, string? Value)[] variables)
    {
        FirstCallApp.Run result = await FirstCallApp.RunAsync(run, calls, pauseMs: 0, variables);
        Assert.True(result.ExitCode == 0, $"the app exited with {result.ExitCode}: {result.Errors}");
        return result.Lines;
    }
}
