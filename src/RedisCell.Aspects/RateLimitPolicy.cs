namespace RedisCell.Aspects;

/// <summary>
/// What a limit is: an algorithm and its parameters, independent of the key it is applied to.
/// Policies are immutable and meant to be created once (generated code keeps them in static fields)
/// and shared by every call.
/// </summary>
/// <remarks>
/// The algorithms are <see cref="Gcra.GcraPolicy"/> (redis-cell's <c>CL.THROTTLE</c>) and
/// <see cref="FixedWindow.FixedWindowPolicy"/> (a counter per window, used by <c>[RatePerSecond]</c>
/// and <c>[TokenBudget]</c>).
/// </remarks>
public abstract class RateLimitPolicy
{
    private protected RateLimitPolicy(long limit) => Limit = limit;

    /// <summary>The most requests (or units of quantity) a key can be granted at once.</summary>
    public long Limit { get; }

    /// <summary>
    /// What a store that cannot decide does for this policy, or <see langword="null"/> to use the
    /// limiter's own <see cref="Resilience.FailureOptions.Mode"/>.
    /// </summary>
    public FailureMode? FailureMode { get; init; }

    /// <summary>A short, stable description such as <c>gcra(max_burst=15, count=30, period=60s)</c>.</summary>
    public abstract override string ToString();

    /// <summary>
    /// Whether two policies count a key the same way: the same algorithm with the same numbers,
    /// whatever instance holds them (each generated file keeps its own). The failure mode is not
    /// part of the limit.
    /// </summary>
    internal static bool SameLimit(RateLimitPolicy a, RateLimitPolicy b) =>
        ReferenceEquals(a, b) || (a, b) switch
        {
            (Gcra.GcraPolicy x, Gcra.GcraPolicy y) => x.MaxBurst == y.MaxBurst && x.Count == y.Count && x.PeriodSeconds == y.PeriodSeconds,
            (FixedWindow.FixedWindowPolicy x, FixedWindow.FixedWindowPolicy y) => x.Limit == y.Limit && x.WindowMilliseconds == y.WindowMilliseconds,
            _ => false,
        };
}
