namespace RedisCell.Aspects;

/// <summary>What a limiter does when its store (Redis) cannot answer in time.</summary>
public enum RateLimiterFailurePolicy
{
    /// <summary>Allow the call, count an error and log at most once per interval.</summary>
    FailOpen = 0,

    /// <summary>Refuse the call with <see cref="RateLimiterUnavailableException"/>.</summary>
    FailClosed = 1,

    /// <summary>Decide with the in-process limiter, each process taking its configured share of the limit.</summary>
    Local = 2,
}
