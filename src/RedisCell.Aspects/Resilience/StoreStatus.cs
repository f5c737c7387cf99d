using System;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// Tells a person when the store stops deciding and when it decides again, once each way. With a
/// logger listening, the log's own events say it (<c>StoreUnavailable</c>, <c>CircuitOpened</c>,
/// <c>CircuitClosed</c>); without one, this writes one line to stderr each way, because a limiter
/// that silently stops enforcing every limit is worse than a noisy one.
/// </summary>
internal sealed class StoreStatus
{
    private readonly string _store;
    private readonly FailureMode _mode;
    private readonly ILogger _logger;
    private int _down;

    /// <param name="store">What the store is, for a person: <c>Redis at 127.0.0.1:6379</c> (never a password).</param>
    /// <param name="mode">The limiter's failure mode: what its calls do while the store is down.</param>
    /// <param name="logger">The limiter's logger; stderr is used only while it listens to no warnings.</param>
    public StoreStatus(string store, FailureMode mode, ILogger logger)
    {
        _store = store;
        _mode = mode;
        _logger = logger;
    }

    /// <summary>The store could not decide, for <paramref name="reason"/>; said once until it is <see cref="Up"/> again.</summary>
    public void Down(string reason)
    {
        if (Volatile.Read(ref _down) != 0 || Interlocked.Exchange(ref _down, 1) != 0) return;
        if (_logger.IsEnabled(LogLevel.Warning)) return;
        Console.Error.WriteLine($"warn: RedisCell.Aspects: {_store} could not decide ({reason}); {Consequence(_mode)} until it answers. Configure logging to see every report.");
    }

    /// <summary>The store answered: said once when it follows <see cref="Down"/>. One volatile read otherwise.</summary>
    public void Up()
    {
        if (Volatile.Read(ref _down) == 0 || Interlocked.Exchange(ref _down, 0) == 0) return;
        if (_logger.IsEnabled(LogLevel.Warning)) return;
        Console.Error.WriteLine($"info: RedisCell.Aspects: {_store} answers again; rate limits are enforced.");
    }

    private static string Consequence(FailureMode mode) => mode switch
    {
        FailureMode.FailClosed => "calls are refused with RateLimiterUnavailableException (FailureMode.FailClosed)",
        FailureMode.Local => "each process enforces its own share of every limit (FailureMode.Local)",
        _ => "calls are allowed and rate limits are NOT enforced (FailureMode.FailOpen)",
    };
}
