using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Tests.Infrastructure;

namespace RedisCell.Aspects.Tests.Runtime;

public sealed class SharedLimiterTests
{
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
