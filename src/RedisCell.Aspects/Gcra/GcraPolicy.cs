using System;

namespace RedisCell.Aspects.Gcra;

/// <summary>
/// The generic cell rate algorithm with the parameters of redis-cell's
/// <c>CL.THROTTLE key max_burst count period</c>: <see cref="Count"/> requests per
/// <see cref="PeriodSeconds"/>, with bursts of up to <see cref="MaxBurst"/> + 1 requests.
/// </summary>
/// <remarks>
/// Times are integer nanoseconds, as in the module: the emission interval is
/// <c>T = trunc(period * 1e9 / count)</c> (a floating-point division, then truncation) and the
/// delay variation tolerance is <c>T * (max_burst + 1)</c>.
/// </remarks>
public sealed class GcraPolicy : RateLimitPolicy
{
    /// <summary>The largest <see cref="MaxBurst"/> accepted: 2^53 - 2, so every reply stays exact in a Lua number.</summary>
    public const long MaxBurstLimit = (1L << 53) - 2;

    /// <summary>The largest <see cref="Count"/> accepted: 2^53 - 1.</summary>
    public const long MaxCount = (1L << 53) - 1;

    /// <summary>The largest <see cref="PeriodSeconds"/> accepted: the period in nanoseconds must fit in 63 bits.</summary>
    public const long MaxPeriodSeconds = long.MaxValue / 1_000_000_000L;

    /// <summary>Creates a policy; every argument is validated before any I/O can happen.</summary>
    /// <param name="maxBurst">Requests allowed beyond the steady rate, at least 0.</param>
    /// <param name="count">Requests per <paramref name="periodSeconds"/>, at least 1.</param>
    /// <param name="periodSeconds">The period in whole seconds, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An argument is out of range, the emission interval is below one microsecond, or the delay
    /// variation tolerance does not fit in 63 bits of nanoseconds.
    /// </exception>
    public GcraPolicy(long maxBurst, long count, long periodSeconds)
        : base(Validate(maxBurst, count, periodSeconds, out long interval, out long tolerance) + 1)
    {
        MaxBurst = maxBurst;
        Count = count;
        PeriodSeconds = periodSeconds;
        EmissionIntervalNanoseconds = interval;
        DelayVariationToleranceNanoseconds = tolerance;
    }

    /// <summary>Requests allowed beyond the steady rate (<c>max_burst</c>).</summary>
    public long MaxBurst { get; }

    /// <summary>Requests per period (<c>count</c>).</summary>
    public long Count { get; }

    /// <summary>The period in seconds (<c>period</c>).</summary>
    public long PeriodSeconds { get; }

    /// <summary>The emission interval T in nanoseconds: the steady-state gap between two requests.</summary>
    public long EmissionIntervalNanoseconds { get; }

    /// <summary>The delay variation tolerance, T * (max_burst + 1), in nanoseconds.</summary>
    public long DelayVariationToleranceNanoseconds { get; }

    /// <summary>The emission interval as a <see cref="TimeSpan"/> (rounded down to ticks).</summary>
    public TimeSpan EmissionInterval => TimeSpan.FromTicks(EmissionIntervalNanoseconds / 100);

    /// <inheritdoc />
    public override string ToString() => $"gcra(max_burst={MaxBurst}, count={Count}, period={PeriodSeconds}s)";

    /// <summary>
    /// Checks <c>CL.THROTTLE</c> parameters as this library accepts them, without creating a policy.
    /// </summary>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? Check(long maxBurst, long count, long periodSeconds) => Problem(maxBurst, count, periodSeconds).Message;

    // redis-cell: Duration::nanoseconds(((period_ns as f64) / (count as f64)) as i64).
    private static long IntervalNanoseconds(long count, long periodSeconds) =>
        (long)((double)(periodSeconds * 1_000_000_000L) / count);

    private static (string? Parameter, string? Message) Problem(long maxBurst, long count, long periodSeconds)
    {
        if (maxBurst < 0 || maxBurst > MaxBurstLimit) return (nameof(maxBurst), $"max_burst must be from 0 to {MaxBurstLimit}, but was {maxBurst}.");
        if (count < 1 || count > MaxCount) return (nameof(count), $"count must be from 1 to {MaxCount}, but was {count}.");
        if (periodSeconds < 1 || periodSeconds > MaxPeriodSeconds) return (nameof(periodSeconds), $"period must be from 1 to {MaxPeriodSeconds} seconds, but was {periodSeconds}.");
        long interval = IntervalNanoseconds(count, periodSeconds);
        if (interval < 1000)
        {
            return (nameof(count), $"{count} requests per {periodSeconds}s is an emission interval of {interval} ns; it must be at least 1 microsecond.");
        }

        if (interval > long.MaxValue / (maxBurst + 1))
        {
            return (nameof(maxBurst), $"the delay variation tolerance (period/count * (max_burst + 1)) of max_burst={maxBurst}, count={count}, period={periodSeconds}s does not fit in 63 bits of nanoseconds.");
        }

        return (null, null);
    }

    private static long Validate(long maxBurst, long count, long periodSeconds, out long interval, out long tolerance)
    {
        (string? parameter, string? message) = Problem(maxBurst, count, periodSeconds);
        if (message is not null) throw new ArgumentOutOfRangeException(parameter, message);
        interval = IntervalNanoseconds(count, periodSeconds);
        tolerance = interval * (maxBurst + 1);
        return maxBurst;
    }
}
