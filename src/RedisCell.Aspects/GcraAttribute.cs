using System;

namespace RedisCell.Aspects;

/// <summary>
/// Limits calls to the method with GCRA, exactly as redis-cell's <c>CL.THROTTLE key max_burst
/// count period</c>, for all callers together: allows <c>maxBurst + 1</c> calls at once, then
/// <c>count</c> per <c>periodSeconds</c>. <c>[Gcra(maxBurst: 15, count: 30, periodSeconds: 60)]</c>
/// allows 16 calls at once, then 30 a minute.
/// </summary>
/// <remarks>
/// Without <see cref="Key"/> the method has one key of its own: its full name (namespace, type,
/// method and parameter types). With <see cref="Key"/> it is <see cref="ThrottleAttribute"/>.
/// See <see cref="ThrottleAttribute"/> for key templates and how calls are rewritten.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class GcraAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="maxBurst">Calls allowed beyond the steady rate (<c>max_burst</c>), at least 0.</param>
    /// <param name="count">Calls per <paramref name="periodSeconds"/> (<c>count</c>), at least 1.</param>
    /// <param name="periodSeconds">The period in whole seconds (<c>period</c>), at least 1.</param>
    public GcraAttribute(long maxBurst, long count, long periodSeconds)
    {
        MaxBurst = maxBurst;
        Count = count;
        PeriodSeconds = periodSeconds;
    }

    /// <summary>Calls allowed beyond the steady rate (<c>max_burst</c>).</summary>
    public long MaxBurst { get; }

    /// <summary>Calls per <see cref="PeriodSeconds"/> (<c>count</c>).</summary>
    public long Count { get; }

    /// <summary>The period in seconds (<c>period</c>).</summary>
    public long PeriodSeconds { get; }

    /// <summary>A key template such as <c>"user:{userId}"</c>; the method's full name when not set.</summary>
    public string? Key { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.Quantity"/>
    public string? Quantity { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.FailureMode"/>
    public FailureMode FailureMode { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.Limiter"/>
    public string? Limiter { get; set; }
}
