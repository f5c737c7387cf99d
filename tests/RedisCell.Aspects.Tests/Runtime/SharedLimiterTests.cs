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
        using CellLimiter limiter = CellLimiter.CreateFromEnvironment(new RedisCellOptions { LoggerFactory = logs }, redisUrl: "");
        Assert.IsType<InProcessCellLimiter>(limiter);
        string warning = Assert.Single(logs.Messages);
        Assert.Contains("in this process only", warning);
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task WithRedisUrlTheLimiterIsShared(string engine)
    {
        var server = await Engine.ConnectionAsync(engine);
        string url = "redis://" + server.GetEndPoints()[0].ToString();
        var options = Engine.Options(Engine.UniquePrefix("shared"));
        await using CellLimiter first = CellLimiter.CreateFromEnvironment(options, url);
        await using CellLimiter second = CellLimiter.CreateFromEnvironment(options, url);
        Assert.IsType<RedisCellLimiter>(first);
        var rule = new RateLimitRule(new GcraPolicy(1, 1, 3600), "k");
        Assert.True(first.Check(rule).Allowed);
        Assert.True(second.Check(rule).Allowed);
        Assert.True(first.Check(rule).Limited);
    }

    /// <summary>
    /// The first use of <see cref="CellLimiter.Shared"/> with <c>REDIS_URL</c> at a port nobody
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

        string? url = Environment.GetEnvironmentVariable(CellLimiter.RedisUrlVariable);
        CellLimiter? before = CellLimiter.ExchangeShared(null);
        CellLimiter? first = null;
        try
        {
            Environment.SetEnvironmentVariable(CellLimiter.RedisUrlVariable, $"redis://127.0.0.1:{port}");
            var rule = new RateLimitRule(new GcraPolicy(9, 1, 3600), Engine.UniquePrefix("shared-first") + "k");
            var waits = new List<double>();
            // About 2 s of calls: past the bounded connect (1 s) to a hung server, which the first
            // caller used to wait for under the shared limiter's lock, and the warm-up after it.
            for (int call = 0; call < 40; call++)
            {
                long started = Stopwatch.GetTimestamp();
                RateLimitResult result = call % 2 == 0 ? CellLimiter.Shared.Check(rule) : await CellLimiter.Shared.CheckAsync(rule);
                waits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                first ??= CellLimiter.Shared;
                Assert.Equal(DecisionSource.FailurePolicy, result.Source);
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
                answered = await CellLimiter.Shared.CheckAsync(rule);
                if (answered.Source == DecisionSource.Store) break;
                await Task.Delay(20);
            }

            double worst = waits.Max();
            output.WriteLine($"FIGURE shared-first-use redis_url={(hung ? "hung" : "dead-port")} first_call_ms={waits[0]:0.0} worst_ms={worst:0.0} calls={waits.Count} store_answered_after_ms={mending.Elapsed.TotalMilliseconds:0}");
            TimeSpan timeout = RedisCellOptions.DefaultTimeout;
            Assert.True(worst <= (timeout + LatencyMargin).TotalMilliseconds, $"a first call waited {worst:0} ms: {string.Join(", ", waits.Select(w => w.ToString("0")))}");
            Assert.Equal(DecisionSource.Store, answered.Source);
            Assert.IsType<RedisCellLimiter>(CellLimiter.Shared);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CellLimiter.RedisUrlVariable, url);
            CellLimiter.ExchangeShared(before);
            if (first is not null) await first.DisposeAsync(); // disposes the connected limiter too
            if (server is not null) await server.DisposeAsync();
        }
    }

    [Fact]
    public void AMalformedRedisUrlFailsTheFirstUseAtOnce()
    {
        CellLimiter? before = CellLimiter.ExchangeShared(null);
        string? url = Environment.GetEnvironmentVariable(CellLimiter.RedisUrlVariable);
        try
        {
            Environment.SetEnvironmentVariable(CellLimiter.RedisUrlVariable, "redis://127.0.0.1:notaport");
            Assert.ThrowsAny<ArgumentException>(() => CellLimiter.Shared);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CellLimiter.RedisUrlVariable, url);
            CellLimiter.ExchangeShared(before);
        }
    }

    [Fact]
    public void ConfigureSharedReplacesTheSharedLimiterAndReturnsThePreviousOne()
    {
        using var mine = new InProcessCellLimiter();
        CellLimiter? previous = CellLimiter.ConfigureShared(mine);
        try
        {
            Assert.Same(mine, CellLimiter.Shared);
        }
        finally
        {
            if (previous is not null) CellLimiter.ConfigureShared(previous);
        }
    }

    [Fact]
    public void NamedLimitersAreKeptApartFromTheDefault()
    {
        using var billing = new InProcessCellLimiter();
        Assert.Null(CellLimiter.ConfigureShared("billing", billing));
        Assert.Same(billing, CellLimiter.GetShared("billing"));
        Assert.Same(CellLimiter.Shared, CellLimiter.GetShared(null));
        Assert.Same(CellLimiter.Shared, CellLimiter.GetShared(""));
        var missing = Assert.Throws<InvalidOperationException>(() => CellLimiter.GetShared("nope"));
        Assert.Contains("ConfigureShared(\"nope\"", missing.Message);
    }

    private sealed class RecordingLoggerFactory : ILoggerFactory, ILogger
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
