using System;

namespace RedisCell.Aspects;

/// <summary>
/// Allows at most <see cref="Limit"/> calls to the method per one-second window
/// (<see cref="FixedWindow.FixedWindowPolicy.PerSecond"/>), the window starting at the first call for the key:
/// <c>[RatePerSecond(100)]</c>.
/// </summary>
/// <remarks>
/// Without <see cref="Key"/> the method has one key of its own: its full name (namespace, type,
/// method and parameter types). See <see cref="ThrottleAttribute"/> for key templates and how
/// calls are rewritten.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class RatePerSecondAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="limit">Calls allowed per second, from 1 to <see cref="FixedWindow.FixedWindowPolicy.MaxLimit"/> (999,999,999,999,999; else diagnostic RCA001).</param>
    public RatePerSecondAttribute(long limit)
    {
        Limit = limit;
    }

    /// <summary>Calls allowed per second.</summary>
    public long Limit { get; }

    /// <summary>A key template such as <c>"tenant:{tenantId}"</c>; the method's full name when not set.</summary>
    public string? Key { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.Quantity"/>
    public string? Quantity { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.FailureMode"/>
    public FailureMode FailureMode { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.Limiter"/>
    public string? Limiter { get; set; }
}
