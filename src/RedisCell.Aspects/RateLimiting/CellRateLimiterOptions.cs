namespace RedisCell.Aspects.RateLimiting;

/// <summary>Settings of <see cref="CellRateLimiter"/> and <see cref="CellPartitionedRateLimiter{TResource}"/>.</summary>
public sealed class CellRateLimiterOptions
{
    /// <summary>
    /// The limiter that decides, or <see langword="null"/> (the default) for <see cref="CellLimiter.Shared"/>,
    /// read at every call so that the limiter a host configures is used as soon as the host starts.
    /// </summary>
    public CellLimiter? Limiter { get; set; }

    /// <summary>What <c>AttemptAcquire</c> does; see <see cref="RateLimiting.AttemptAcquireBehavior"/>.</summary>
    public AttemptAcquireBehavior AttemptAcquireBehavior { get; set; } = AttemptAcquireBehavior.Decide;
}

/// <summary>
/// What the synchronous <c>AttemptAcquire</c> of a Redis-backed rate limiter does. A decision needs one
/// round trip to the store; this chooses whether a synchronous acquire makes it.
/// </summary>
public enum AttemptAcquireBehavior
{
    /// <summary>
    /// Decide with one synchronous round trip, through StackExchange.Redis's synchronous API: the
    /// calling thread waits for the reply (about one network round trip; when Redis is unreachable, up
    /// to the connection's <c>syncTimeout</c>, after which the failure policy decides). It never waits on
    /// a task, so it cannot deadlock or starve the thread pool the way sync-over-async does.
    /// </summary>
    Decide = 0,

    /// <summary>
    /// Make no round trip: return at once a lease that is not acquired and carries no
    /// <c>RetryAfter</c>, so that callers which follow a failed attempt with <c>AcquireAsync</c> decide
    /// asynchronously. ASP.NET Core's rate-limiting middleware does exactly that, so no request thread
    /// ever waits on Redis; Polly only calls <c>AcquireAsync</c>. Do not use it with callers that take
    /// a failed <c>AttemptAcquire</c> as final.
    /// </summary>
    Defer = 1,
}
