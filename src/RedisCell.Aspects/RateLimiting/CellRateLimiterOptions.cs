namespace RedisCell.Aspects.RateLimiting;

/// <summary>Settings of <see cref="CellRateLimiter"/> and <see cref="CellPartitionedRateLimiter{TResource}"/>.</summary>
public sealed class CellRateLimiterOptions
{
    /// <summary>
    /// The limiter that decides, or <see langword="null"/> (the default) for <see cref="SharedLimiter.Current"/>,
    /// read at every call so that the limiter a host configures is used as soon as the host starts.
    /// </summary>
    public CellLimiter? Limiter { get; set; }

    /// <summary>What <c>AttemptAcquire</c> does; see <see cref="RateLimiting.AttemptAcquireBehavior"/>.</summary>
    public AttemptAcquireBehavior AttemptAcquireBehavior { get; set; } = AttemptAcquireBehavior.NeverBlockThreadPool;
}

/// <summary>
/// What the synchronous <c>AttemptAcquire</c> of a store-backed rate limiter does. A Redis decision
/// needs one network round trip, and StackExchange.Redis reads every reply (for synchronous calls
/// too) on the thread pool: a thread-pool thread that waits for a reply holds one pool thread and
/// needs another, which is how a busy server starves its pool.
/// </summary>
public enum AttemptAcquireBehavior
{
    /// <summary>
    /// Decide synchronously wherever that blocks no thread-pool thread on Redis: always with an
    /// <see cref="InProcess.InProcessCellLimiter"/> (no I/O), and off the thread pool (a dedicated thread, a
    /// console app's main thread) with one synchronous round trip (which waits on a task only while the
    /// limiter opens its dedicated synchronous connection; see <see cref="CellLimiter"/>). On a
    /// thread-pool thread with Redis, return at once a lease that is not acquired, carries
    /// <see cref="CellLeaseMetadata.Deferred"/> and no <c>RetryAfter</c>, and consumed nothing: callers
    /// then decide with <c>AcquireAsync</c>. ASP.NET Core's rate-limiting middleware does exactly that
    /// (it tries <c>AttemptAcquire</c> first and falls back to <c>AcquireAsync</c>), and Polly only calls
    /// <c>AcquireAsync</c>. The default.
    /// </summary>
    /// <remarks>
    /// A limiter asked before this one in the same attempt is charged twice: ASP.NET Core's middleware
    /// acquires from the global limiter, then from the endpoint's, and when the endpoint's lease is
    /// deferred it disposes the global lease (a rate limiter gives nothing back on disposal) and calls
    /// <c>AcquireAsync</c> on both; <c>PartitionedRateLimiter.CreateChained(other, this)</c> does the
    /// same. Make the global limiter a <see cref="CellPartitionedRateLimiter{TResource}"/>, or chain this
    /// limiter first, so that nothing is charged before it defers.
    /// </remarks>
    NeverBlockThreadPool = 0,

    /// <summary>
    /// Always decide with one synchronous round trip, on any thread, for callers that treat a failed
    /// <c>AttemptAcquire</c> as final and accept that the calling thread waits for Redis (about one
    /// network round trip; when Redis is unreachable, up to the connection's <c>syncTimeout</c>, after
    /// which the failure policy decides).
    /// </summary>
    AlwaysDecide = 1,
}
