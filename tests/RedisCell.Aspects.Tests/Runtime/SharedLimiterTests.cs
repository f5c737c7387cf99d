using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Tests.Infrastructure;
using RedisCell.Aspects.TestServers;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Runtime;

public sealed class SharedLimiterTests(ITestOutputHelper output)
{
    /// <summary>Scheduling on a loaded two-core machine: the calls measured here wait for nothing.</summary>
    private static readonly TimeSpan LatencyMargin = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void WithoutRedisUrlLimitsAreKeptInProcessAndOneWarningSaysSo()
    {
        var logs = new RecordingLoggerFactory();
        using CellLimiter limiter = EnvironmentLimiter.Create(redisUrl: "", logs);
        Assert.IsType<InProcessCellLimiter>(limiter);
        (string category, EventId id, LogLevel level, string message) warning = Assert.Single(logs.Entries);
        Assert.Equal(("RedisCell.Aspects", 105, "NoLimiterConfigured", LogLevel.Warning), (warning.category, warning.id.Id, warning.id.Name, warning.level));
        Assert.Contains("in this process only", warning.message);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task WithRedisUrlTheLimiterIsShared(string engine)
    {
        var server = await Engine.ConnectionAsync(engine);
        string url = "redis://" + server.GetEndPoints()[0].ToString();
        await using var first = (ConnectingLimiter)EnvironmentLimiter.Create(url);
        await using var second = (ConnectingLimiter)EnvironmentLimiter.Create(url);
        await Task.WhenAll(first.Connecting, second.Connecting);
        var rule = new RateLimitRule(new GcraPolicy(1, 1, 3600), Engine.UniquePrefix("shared") + "k");
        Assert.True(first.Check(rule).Allowed);
        Assert.True(second.Check(rule).Allowed);
        Assert.True(first.Check(rule).Limited);
    }

    /// <summary>
    /// The first use of <see cref="SharedLimiter.Current"/> with <c>REDIS_URL</c> at a port nobody
    /// listens on, or at a server that accepts connections and answers nothing (SIGSTOP): the
    /// first calls, the one that creates the limiter included, are answered by the failure policy
    /// (FailOpen, the default) within the timeout, while the connection is made in the
    /// background. Once a server answers there, Redis decides and the connected limiter is Shared.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheFirstUseOfSharedNeverWaitsForTheServerAtRedisUrl(bool hung)
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
            var rule = new RateLimitRule(new GcraPolicy(9, 1, 3600), Engine.UniquePrefix("shared-first") + "k");
            var waits = new List<double>();
            // About 2 s of calls: past the bounded connect (1 s) to a hung server, which the first
            // caller used to wait for under the shared limiter's lock, and the warm-up after it.
            for (int call = 0; call < 40; call++)
            {
                long started = Stopwatch.GetTimestamp();
                RateLimitResult result = call % 2 == 0 ? SharedLimiter.Current.Check(rule) : await SharedLimiter.Current.CheckAsync(rule);
                waits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                first ??= SharedLimiter.Current;
                Assert.Equal(DecisionSource.FailureMode, result.Source);
                Assert.True(result.Allowed);
                await Task.Delay(40);
            }

            // A server starts answering there: Redis decides from then on.
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

            double worst = waits.Max();
            output.WriteLine($"FIGURE shared-first-use redis_url={(hung ? "hung" : "dead-port")} first_call_ms={waits[0]:0.0} worst_ms={worst:0.0} calls={waits.Count} store_answered_after_ms={mending.Elapsed.TotalMilliseconds:0}");
            TimeSpan timeout = FailureOptions.DefaultTimeout;
            Assert.True(worst <= (timeout + LatencyMargin).TotalMilliseconds, $"a first call waited {worst:0} ms: {string.Join(", ", waits.Select(w => w.ToString("0")))}");
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
    public void AMalformedRedisUrlFailsTheFirstUseAtOnce()
    {
        CellLimiter? before = SharedLimiter.Exchange(null);
        string? url = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
        try
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, "redis://127.0.0.1:notaport");
            Assert.ThrowsAny<ArgumentException>(() => SharedLimiter.Current);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SharedLimiter.RedisUrlVariable, url);
            SharedLimiter.Exchange(before);
        }
    }

    [Fact]
    public void ConfigureReplacesTheDefaultLimiterAndReturnsThePreviousOne()
    {
        using var mine = new InProcessCellLimiter();
        CellLimiter? previous = SharedLimiter.Configure(mine);
        try
        {
            Assert.Same(mine, SharedLimiter.Current);
        }
        finally
        {
            if (previous is not null) SharedLimiter.Configure(previous);
        }
    }

    [Fact]
    public void NamedLimitersAreKeptApartFromTheDefault()
    {
        using var billing = new InProcessCellLimiter();
        Assert.Null(SharedLimiter.Configure("billing", billing));
        Assert.Same(billing, SharedLimiter.Get("billing"));
        Assert.Same(SharedLimiter.Current, SharedLimiter.Get(null));
        Assert.Same(SharedLimiter.Current, SharedLimiter.Get(""));
        var missing = Assert.Throws<InvalidOperationException>(() => SharedLimiter.Get("nope"));
        Assert.Contains("SharedLimiter.Configure(\"nope\"", missing.Message);
    }

    private sealed class RecordingLoggerFactory : ILoggerFactory
    {
        public List<(string Category, EventId Id, LogLevel Level, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(RecordingLoggerFactory factory, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                factory.Entries.Add((category, eventId, logLevel, formatter(state, exception)));
        }
    }
}
