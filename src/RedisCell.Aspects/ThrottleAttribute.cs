using System;

namespace RedisCell.Aspects;

/// <summary>
/// Limits calls to the method with GCRA, exactly as redis-cell's <c>CL.THROTTLE key max_burst
/// count period</c>, per key built from the arguments: allows <c>maxBurst + 1</c> calls at once,
/// then <c>count</c> per <c>periodSeconds</c>. <c>[Throttle("user:{userId}", maxBurst: 15, count: 30,
/// periodSeconds: 60)]</c> lets each user make 16 calls at once, then 30 a minute.
/// </summary>
/// <remarks>
/// A call over the limit throws <see cref="RateLimitExceededException"/> and the method does not
/// run. Key templates name parameters (<c>{userId}</c>, <c>{request.Tenant.Id}</c>); values are
/// escaped, so one caller's value cannot name another's key. Several attributes on one method are
/// decided together: a call refused by one consumes nothing from the others. Details:
/// <c>docs/attributes.md</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class ThrottleAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="key">The key template, such as <c>"user:{userId}"</c>.</param>
    /// <param name="maxBurst">Calls allowed beyond the steady rate (<c>max_burst</c>), at least 0.</param>
    /// <param name="count">Calls per <paramref name="periodSeconds"/> (<c>count</c>), at least 1.</param>
    /// <param name="periodSeconds">The period in whole seconds (<c>period</c>), at least 1.</param>
    public ThrottleAttribute(string key, long maxBurst, long count, long periodSeconds)
    {
        Key = key;
        MaxBurst = maxBurst;
        Count = count;
        PeriodSeconds = periodSeconds;
    }

    /// <summary>The key template.</summary>
    public string Key { get; }

    /// <summary>Calls allowed beyond the steady rate (<c>max_burst</c>).</summary>
    public long MaxBurst { get; }

    /// <summary>Calls per <see cref="PeriodSeconds"/> (<c>count</c>).</summary>
    public long Count { get; }

    /// <summary>The period in seconds (<c>period</c>).</summary>
    public long PeriodSeconds { get; }

    /// <summary>
    /// The name of an integer parameter whose value is how many units the call consumes
    /// (<c>Quantity = nameof(items)</c>); each call consumes 1 when not set.
    /// </summary>
    public string? Quantity { get; set; }

    /// <summary>
    /// What to do when the limiter's store cannot answer, for this attribute only. Applies only
    /// when written on the attribute; otherwise the limiter's own (<c>RedisCellOptions.Failure.Mode</c>) is used.
    /// </summary>
    public FailureMode FailureMode { get; set; }

    /// <summary>
    /// The name of the shared limiter to ask, for applications that talk to more than one Redis:
    /// registered with <see cref="SharedLimiter.Configure(string, CellLimiter)"/> or
    /// <c>services.AddRedisCell(name, …)</c>. Not set: <see cref="SharedLimiter.Current"/>. Every
    /// rate-limit attribute on one method must name the same limiter, since one limiter decides
    /// them together.
    /// </summary>
    public string? Limiter { get; set; }
}
