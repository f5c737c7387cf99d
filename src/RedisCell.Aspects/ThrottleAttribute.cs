using System;

namespace RedisCell.Aspects;

/// <summary>
/// Limits calls to the method with GCRA, exactly as redis-cell's
/// <c>CL.THROTTLE key max_burst count period</c>, counted under a key built from the call's
/// arguments: <c>[Throttle("user:{userId}", 15, 30, 60)]</c> allows each user 30 calls a minute
/// with bursts of up to 16.
/// </summary>
/// <remarks>
/// <para>
/// The source generator rewrites every call (interceptor mode) or the method itself (partial
/// mode) so that the shared limiter, <see cref="SharedLimiter.Current"/>, is asked first; a call
/// over the limit throws <see cref="RateLimitExceededException"/> and the method does not run.
/// </para>
/// <para>
/// The key template names parameters: <c>{userId}</c>, a member chain such as
/// <c>{request.Tenant.Id}</c>, or <c>&lt;userId&gt;</c> as an alias of <c>{userId}</c>.
/// <c>{{</c> and <c>}}</c> are literal braces, so <c>"{{user:{userId}}}"</c> makes the key a
/// Redis Cluster hash tag. Values are formatted with the invariant culture and escaped (see
/// <see cref="Keys.RateLimitKeyBuilder"/>); the limiter adds its <see cref="Redis.RedisCellOptions.KeyPrefix"/>.
/// </para>
/// <para>
/// Several rate-limit attributes on one method are decided together, atomically: a call refused
/// by one consumes nothing from the others.
/// </para>
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
