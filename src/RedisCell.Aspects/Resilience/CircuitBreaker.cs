using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// Stops decisions from waiting on a store that keeps failing. Closed, every call goes to the
/// store. After <c>threshold</c> failures in a row it opens: calls skip the store (the caller
/// applies its failure policy at once), and once the break has elapsed a single call at a time is
/// let through as a probe. A probe that succeeds closes the circuit; one that fails opens it for
/// another break. Any success closes it, since the store has answered.
/// </summary>
/// <remarks>
/// Lock-free: the state is three integers updated with interlocked operations, so the closed path
/// costs two volatile reads. Time is the monotonic <see cref="Stopwatch"/>, not the options'
/// <see cref="TimeProvider"/>: a fake clock driving GCRA must not freeze the breaker.
/// </remarks>
internal sealed class CircuitBreaker
{
    private const long Closed = 0;

    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly long _breakTicks;
    private readonly ILogger _logger;
    private readonly StoreStatus? _status;
    private int _consecutiveFailures;
    private int _probing;

    // Stopwatch timestamp until which the circuit stays open; Closed (0) when closed.
    private long _openUntil;
    private long _openedAt;
    private long _skipped;

    public CircuitBreaker(int threshold, TimeSpan breakDuration, ILogger? logger = null, StoreStatus? status = null)
    {
        _status = status;
        _threshold = threshold;
        _breakDuration = breakDuration;
        _breakTicks = Math.Max(1, (long)(breakDuration.TotalSeconds * Stopwatch.Frequency));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>True while the circuit is open (including while a probe is in flight).</summary>
    public bool IsOpen => Volatile.Read(ref _openUntil) != Closed;

    /// <summary>
    /// Whether this call may go to the store. <paramref name="probe"/> is set when it is the one
    /// probe of an open circuit: the caller must then report its outcome with
    /// <see cref="OnSuccess"/>, <see cref="OnFailure"/> or <see cref="OnAbandoned"/>.
    /// </summary>
    /// <param name="storeReachable">
    /// Whether the connection reports a server at all. While it does not, a probe could only fail,
    /// so none is spent and the first call after the connection comes back probes at once.
    /// </param>
    /// <param name="probe">Set when this call is the one probe of an open circuit.</param>
    public bool TryEnter(bool storeReachable, out bool probe)
    {
        probe = false;
        long until = Volatile.Read(ref _openUntil);
        if (until == Closed) return true;
        if (!storeReachable || Stopwatch.GetTimestamp() < until || Interlocked.CompareExchange(ref _probing, 1, 0) != 0)
        {
            Interlocked.Increment(ref _skipped);
            return false;
        }

        probe = true;
        return true;
    }

    /// <summary>The store answered. Returns true when this closed an open circuit.</summary>
    /// <param name="probe">The value <see cref="TryEnter"/> gave this call.</param>
    /// <param name="outage">How long the circuit was open, when this closed it.</param>
    /// <param name="skipped">How many calls skipped the store while it was open.</param>
    public bool OnSuccess(bool probe, out TimeSpan outage, out long skipped)
    {
        outage = default;
        skipped = 0;
        if (Volatile.Read(ref _consecutiveFailures) != 0) Interlocked.Exchange(ref _consecutiveFailures, 0);
        bool closed = false;
        long until = Volatile.Read(ref _openUntil);
        if (until != Closed && Interlocked.CompareExchange(ref _openUntil, Closed, until) == until)
        {
            closed = true;
            outage = Stopwatch.GetElapsedTime(Volatile.Read(ref _openedAt));
            skipped = Interlocked.Exchange(ref _skipped, 0);
        }

        if (probe) Volatile.Write(ref _probing, 0);
        return closed;
    }

    /// <summary>The store failed. Returns true when this opened a closed circuit.</summary>
    public bool OnFailure(bool probe)
    {
        long now = Stopwatch.GetTimestamp();
        if (probe)
        {
            Volatile.Write(ref _openUntil, now + _breakTicks);
            Volatile.Write(ref _probing, 0);
            return false;
        }

        if (Interlocked.Increment(ref _consecutiveFailures) < _threshold) return false;
        if (Interlocked.CompareExchange(ref _openUntil, now + _breakTicks, Closed) != Closed) return false;
        Volatile.Write(ref _openedAt, now);
        return true;
    }

    /// <summary>The store answered: <see cref="OnSuccess"/>, logging when that closed the circuit.</summary>
    public void RecordSuccess(bool probe)
    {
        if (OnSuccess(probe, out TimeSpan outage, out long skipped)) Log.CircuitClosed(_logger, outage, skipped);
        _status?.Up();
    }

    /// <summary>The store failed: <see cref="OnFailure"/>, logging when that opened the circuit.</summary>
    public void RecordFailure(bool probe)
    {
        if (OnFailure(probe)) Log.CircuitOpened(_logger, _threshold, _breakDuration);
    }

    /// <summary>The call ended without a verdict on the store (the caller cancelled it).</summary>
    public void OnAbandoned(bool probe)
    {
        if (probe) Volatile.Write(ref _probing, 0);
    }
}
