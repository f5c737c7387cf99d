using System;

namespace RedisCell.Aspects;

/// <summary>
/// A call was refused because it is over its rate limit. Everything an HTTP layer needs for a
/// <c>429</c> (<c>Retry-After</c>, <c>X-RateLimit-*</c>) is on the exception, without another
/// round trip.
/// </summary>
public sealed class RateLimitExceededException : Exception
{
    /// <summary>Creates the exception for a limited result.</summary>
    public RateLimitExceededException(RateLimitResult result)
        : base(FormatMessage(result))
    {
        Result = result;
    }

    /// <summary>The full result of the check that refused the call.</summary>
    public RateLimitResult Result { get; }

    /// <summary>The logical key that is over its limit.</summary>
    public string Key => Result.Rule.Key;

    /// <summary>The policy that refused the call.</summary>
    public RateLimitPolicy Policy => Result.Rule.Policy;

    /// <inheritdoc cref="RateLimitResult.Limit"/>
    public long Limit => Result.Limit;

    /// <inheritdoc cref="RateLimitResult.Remaining"/>
    public long Remaining => Result.Remaining;

    /// <inheritdoc cref="RateLimitResult.RetryAfter"/>
    public TimeSpan RetryAfter => Result.RetryAfter;

    /// <inheritdoc cref="RateLimitResult.ResetAfter"/>
    public TimeSpan ResetAfter => Result.ResetAfter;

    private static string FormatMessage(RateLimitResult result)
    {
        string when = result.RetryAfterNanoseconds < 0
            ? "the request is larger than the whole limit and can never pass"
            : $"retry after {result.RetryAfter.TotalSeconds:0.###}s";
        return $"Rate limit exceeded for '{result.Rule.Key}' ({result.Rule.Policy}): {result.Remaining} of {result.Limit} remaining; {when}.";
    }
}

/// <summary>
/// The store holds something the limiter cannot use (a key of the wrong type or with a value
/// that is not limiter state), or refused a script. The key is left untouched.
/// </summary>
public class RedisCellException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisCellException(string message, string? key = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Key = key;
    }

    /// <summary>The key involved, when there is one.</summary>
    public string? Key { get; }
}

/// <summary>
/// The limiter's store could not decide in time and the failure policy is
/// <see cref="FailureMode.FailClosed"/>. Distinct from
/// <see cref="RateLimitExceededException"/>: the caller was not over any limit.
/// </summary>
public sealed class RateLimiterUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RateLimiterUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
