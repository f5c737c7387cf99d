using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>Records every entry, with its category, event id and level.</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
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
