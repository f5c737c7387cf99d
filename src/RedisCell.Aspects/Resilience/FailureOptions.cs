using System;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// What a decision does when the store cannot make it in time: the <see cref="Mode"/>, how long it
/// waits (<see cref="Timeout"/>), the circuit breaker that stops it waiting on a store that keeps
/// failing, and how such decisions are logged (<c>docs/design/failure-handling.md</c>).
/// </summary>
public sealed class FailureOptions
{
    /// <summary>The default <see cref="Timeout"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The default <see cref="BreakDuration"/>: 250 ms.</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="LogInterval"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultLogInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Allow the call (<see cref="FailureMode.FailOpen"/>, the default), refuse it with
    /// <see cref="RateLimiterUnavailableException"/>, or decide it in this process
    /// (<see cref="FailureMode.Local"/>). A policy's own <see cref="RateLimitPolicy.FailureMode"/> overrides it.
    /// </summary>
    public FailureMode Mode { get; set; } = FailureMode.FailOpen;

    /// <summary>
    /// The longest a decision waits for the store, from 1 ms to 1 hour (default 100 ms), whatever
    /// StackExchange.Redis's own timeouts are. Past it the call follows <see cref="Mode"/>.
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>How many failed decisions in a row open the circuit breaker (default 3, at least 1); while open, no call waits for the store.</summary>
    public int BreakAfterFailures { get; set; } = 3;

    /// <summary>How long the circuit stays open before one call probes the store again, from 1 ms to 1 hour (default 250 ms).</summary>
    public TimeSpan BreakDuration { get; set; } = DefaultBreakDuration;

    /// <summary>
    /// The share of each limit this process allows on its own under <see cref="FailureMode.Local"/>:
    /// greater than 0 and at most 1 (the default). With <c>n</c> processes behind one limit,
    /// <c>1.0 / n</c> keeps their total near it; never less than one request.
    /// </summary>
    public double LocalShare { get; set; } = 1.0;

    /// <summary>
    /// The least time between two log entries about decisions the store could not make (default
    /// 30 s; zero logs every one). Each entry counts the decisions since the previous one; metrics count every one.
    /// </summary>
    public TimeSpan LogInterval { get; set; } = DefaultLogInterval;

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with what is wrong.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"FailureMode {Mode} is not a FailureMode.", nameof(Mode));
        if (Timeout < TimeSpan.FromMilliseconds(1) || Timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Timeout {Timeout} must be from 1 ms to 1 hour: it bounds how long a decision may wait for the store.", nameof(Timeout));
        }

        if (BreakAfterFailures < 1)
        {
            throw new ArgumentException($"BreakAfterFailures {BreakAfterFailures} must be at least 1: it is how many failed decisions in a row open the circuit.", nameof(BreakAfterFailures));
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(1) || BreakDuration > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"BreakDuration {BreakDuration} must be from 1 ms to 1 hour: it is how long the circuit stays open before probing the store.", nameof(BreakDuration));
        }

        if (!(LocalShare > 0 && LocalShare <= 1))
        {
            throw new ArgumentException($"LocalShare {LocalShare} must be greater than 0 and at most 1: it is the share of each limit one process allows while the store is unavailable.", nameof(LocalShare));
        }

        if (LogInterval < TimeSpan.Zero) throw new ArgumentException($"LogInterval {LogInterval} cannot be negative.", nameof(LogInterval));
    }

    internal FailureOptions Clone() => (FailureOptions)MemberwiseClone();
}
