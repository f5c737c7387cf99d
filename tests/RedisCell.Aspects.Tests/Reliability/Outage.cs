using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>Where a caller's answer came from.</summary>
public enum Source
{
    /// <summary>The store decided (a result carrying the store's state).</summary>
    Store,

    /// <summary>Allowed by FailOpen without the store.</summary>
    FailOpen,

    /// <summary>Decided by the in-process twin with this process's share.</summary>
    Local,

    /// <summary>RateLimiterUnavailableException (FailClosed).</summary>
    Unavailable,

    /// <summary>Anything else thrown: never promised by any policy.</summary>
    Unexpected,
}

/// <summary>One call a caller made: when it started, how long it waited, what it got.</summary>
public readonly record struct Call(double StartMs, double ElapsedMs, Source Source, bool Allowed, string? Error);

/// <summary>
/// Callers that keep deciding one rule while a test breaks and mends the server, recording every
/// call. Loops are bounded by <see cref="StopAsync"/> and by a hard deadline.
/// </summary>
public sealed class Callers
{
    private static readonly TimeSpan HardDeadline = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Task> _loops = [];
    private volatile bool _stop;

    /// <summary>Milliseconds since the callers were created: the timeline every call is on.</summary>
    public double NowMs => _clock.Elapsed.TotalMilliseconds;

    public IReadOnlyCollection<Call> Calls => _calls;

    /// <summary>Starts <paramref name="count"/> loops, each on its own thread for the synchronous path.</summary>
    public void Start(int count, bool synchronous, Func<RateLimitResult> check, Func<ValueTask<RateLimitResult>> checkAsync, Func<RateLimitResult, Source> classify)
    {
        for (int i = 0; i < count; i++)
        {
            _loops.Add(synchronous
                ? Task.Factory.StartNew(() => RunSync(check, classify), TaskCreationOptions.LongRunning)
                : Task.Run(() => RunAsync(checkAsync, classify)));
        }
    }

    public async Task StopAsync()
    {
        _stop = true;
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits until a call that started after <paramref name="afterMs"/> was answered by the store, or the timeout.</summary>
    public async Task<double?> WaitForStoreAsync(double afterMs, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            double? first = FirstStoreAnswer(afterMs);
            if (first is not null) return first;
            await Task.Delay(5);
        }

        return FirstStoreAnswer(afterMs);
    }

    /// <summary>When the first call started after <paramref name="afterMs"/> and answered by the store completed.</summary>
    public double? FirstStoreAnswer(double afterMs)
    {
        double? first = null;
        foreach (Call call in _calls)
        {
            if (call.StartMs >= afterMs && call.Source == Source.Store)
            {
                double end = call.StartMs + call.ElapsedMs;
                if (first is null || end < first) first = end;
            }
        }

        return first;
    }

    private void RunSync(Func<RateLimitResult> check, Func<RateLimitResult, Source> classify)
    {
        while (!_stop && _clock.Elapsed < HardDeadline)
        {
            double start = NowMs;
            Call call;
            try
            {
                RateLimitResult result = check();
                call = new Call(start, NowMs - start, classify(result), result.Allowed, null);
            }
            catch (Exception ex)
            {
                call = Failed(start, ex);
            }

            _calls.Enqueue(call);
            Thread.Sleep(2);
        }
    }

    private async Task RunAsync(Func<ValueTask<RateLimitResult>> checkAsync, Func<RateLimitResult, Source> classify)
    {
        while (!_stop && _clock.Elapsed < HardDeadline)
        {
            double start = NowMs;
            Call call;
            try
            {
                RateLimitResult result = await checkAsync();
                call = new Call(start, NowMs - start, classify(result), result.Allowed, null);
            }
            catch (Exception ex)
            {
                call = Failed(start, ex);
            }

            _calls.Enqueue(call);
            await Task.Delay(2);
        }
    }

    private Call Failed(double start, Exception ex) => new(
        start,
        NowMs - start,
        ex is RateLimiterUnavailableException ? Source.Unavailable : Source.Unexpected,
        false,
        ex.GetType().Name + ": " + ex.Message);
}

/// <summary>Counts the library's error metric (rediscell.limiter.errors) by failure policy tag.</summary>
public sealed class ErrorMetric : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public ErrorMetric()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CellTelemetry.Name && instrument.Name == "rediscell.limiter.errors") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string policy = "?";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "rediscell.limiter.failure_mode") policy = tag.Value?.ToString() ?? "?";
            }

            _counts.AddOrUpdate(policy, value, (_, total) => total + value);
        });
        _listener.Start();
    }

    public long Count(string failurePolicy) => _counts.TryGetValue(failurePolicy, out long count) ? count : 0;

    public void Dispose() => _listener.Dispose();
}

/// <summary>One log entry: its event, when it was written (ms on a monotonic clock) and its named values.</summary>
public sealed record LogEntry(EventId Id, LogLevel Level, string Message, double AtMs, IReadOnlyList<KeyValuePair<string, object?>> Values)
{
    /// <summary>The value named <paramref name="name"/> in the message template.</summary>
    public object? Value(string name) => Values.FirstOrDefault(v => v.Key == name).Value;
}

/// <summary>An <see cref="ILoggerFactory"/> that keeps every entry, with its event id, time and values.</summary>
public sealed class RecordingLogs : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public int Count(string eventName) => _entries.Count(e => e.Id.Name == eventName);

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
        _entries.Enqueue(new LogEntry(eventId, logLevel, formatter(state, exception), _clock.Elapsed.TotalMilliseconds, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
}
