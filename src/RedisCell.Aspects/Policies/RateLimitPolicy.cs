namespace RedisCell.Aspects;

/// <summary>
/// What a limit is: an algorithm and its parameters, independent of the key it is applied to.
/// Policies are immutable and meant to be created once (generated code keeps them in static fields)
/// and shared by every call.
/// </summary>
/// <remarks>
/// The two algorithms are <see cref="GcraPolicy"/> (redis-cell's <c>CL.THROTTLE</c>) and
/// <see cref="FixedWindowPolicy"/> (a counter per window, used by <c>[RatePerSecond]</c> and
/// <c>[TokenBudget]</c>).
/// </remarks>
public abstract class RateLimitPolicy
{
    private protected RateLimitPolicy(long limit) => Limit = limit;

    /// <summary>The most requests (or units of quantity) a key can be granted at once.</summary>
    public long Limit { get; }

    /// <summary>
    /// What this policy does when the limiter's store cannot be reached, or
    /// <see langword="null"/> to use the limiter's <see cref="RedisCellOptions.FailurePolicy"/>.
    /// </summary>
    public RateLimiterFailurePolicy? FailurePolicy { get; init; }

    /// <summary>A short, stable description such as <c>gcra(max_burst=15, count=30, period=60s)</c>.</summary>
    public abstract override string ToString();
}
