namespace RedisCell.Aspects;

/// <summary>What a limiter does when its store (Redis) cannot decide in time.</summary>
public enum FailureMode
{
    /// <summary>Allow the call, count an error and log at most once per interval.</summary>
    FailOpen = 0,

    /// <summary>Refuse the call with <see cref="RateLimiterUnavailableException"/>.</summary>
    FailClosed = 1,

    /// <summary>Decide in this process with the in-process twin, each process taking its configured share of the limit.</summary>
    Local = 2,
}
