using System.Threading.RateLimiting;

namespace RedisCell.Aspects.RateLimiting;

/// <summary>
/// Metadata on the leases of <see cref="CellRateLimiter"/> and <see cref="CellPartitionedRateLimiter{TResource}"/>,
/// beside the standard <see cref="MetadataName.RetryAfter"/> and <see cref="MetadataName.ReasonPhrase"/>.
/// </summary>
public static class CellLeaseMetadata
{
    /// <summary>
    /// The store's full answer: limit, remaining, retry-after and reset-after, so that an HTTP layer
    /// can write <c>X-RateLimit-*</c> headers without another round trip. On every decided lease,
    /// acquired or not.
    /// </summary>
    public static MetadataName<RateLimitResult> Result { get; } = MetadataName.Create<RateLimitResult>("REDISCELL_RESULT");

    /// <summary>
    /// <see langword="true"/> on the lease an <c>AttemptAcquire</c> returns without deciding, because
    /// deciding would have made a thread-pool thread wait for Redis
    /// (<see cref="AttemptAcquireBehavior.NeverBlockThreadPool"/>): not a rejection, a request to call <c>AcquireAsync</c>.
    /// </summary>
    public static MetadataName<bool> Deferred { get; } = MetadataName.Create<bool>("REDISCELL_DEFERRED");
}
