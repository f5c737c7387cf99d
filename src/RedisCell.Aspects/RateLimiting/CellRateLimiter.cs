using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;

namespace RedisCell.Aspects.RateLimiting;

/// <summary>
/// A <see cref="System.Threading.RateLimiting.RateLimiter"/> for one key, decided by a
/// <see cref="CellLimiter"/>: for ASP.NET Core's <c>AddRateLimiter</c> (through
/// <see cref="CellRateLimitPartition"/>), Polly's <c>AddRateLimiter</c>, or your own code.
/// </summary>
/// <remarks>
/// It never queues: <c>AcquireAsync</c> answers after one round trip. A permit count is the rule's
/// quantity (0 only reads); a count above the policy's limit is refused by the store, not thrown. A
/// rejected lease carries <see cref="MetadataName.RetryAfter"/>, <see cref="MetadataName.ReasonPhrase"/>
/// and <see cref="CellLeaseMetadata.Result"/>. <c>AttemptAcquire</c> never makes a thread-pool thread
/// wait for Redis (<see cref="CellRateLimiterOptions.AttemptAcquireBehavior"/>). Details:
/// <c>docs/aspnetcore.md</c>.
/// </remarks>
public sealed class CellRateLimiter : System.Threading.RateLimiting.RateLimiter
{
    private readonly CellLimiter? _limiter;
    private readonly AttemptAcquireBehavior _attemptBehavior;
    private long _lastUsed = Stopwatch.GetTimestamp();
    private long _remaining;
    private long _successful;
    private long _failed;
    private int _disposed;

    /// <summary>Creates a limiter for <paramref name="key"/> under <paramref name="policy"/>.</summary>
    /// <param name="policy">The limit.</param>
    /// <param name="key">The key the limit is counted under (the store adds its key prefix).</param>
    /// <param name="options">Which limiter decides and what a synchronous acquire does; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> or <paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty, or an option is out of range.</exception>
    public CellRateLimiter(RateLimitPolicy policy, string key, CellRateLimiterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (options is not null && !Enum.IsDefined(options.AttemptAcquireBehavior))
        {
            throw new ArgumentException($"AttemptAcquireBehavior {options.AttemptAcquireBehavior} is not defined.", nameof(options));
        }

        Policy = policy;
        Key = key;
        _limiter = options?.Limiter;
        _attemptBehavior = options?.AttemptAcquireBehavior ?? AttemptAcquireBehavior.NeverBlockThreadPool;
        _remaining = policy.Limit;
    }

    /// <summary>The limit this limiter applies.</summary>
    public RateLimitPolicy Policy { get; }

    /// <summary>The key the limit is counted under.</summary>
    public string Key { get; }

    /// <summary>The time since this limiter last decided; the state itself lives in the store, so an idle limiter holds nothing.</summary>
    public override TimeSpan? IdleDuration => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastUsed));

    /// <summary>
    /// Counts of this instance's leases, and the permits available as of its last decision (other
    /// processes share the key, so the store may have fewer by now).
    /// </summary>
    public override RateLimiterStatistics? GetStatistics()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = Volatile.Read(ref _remaining),
            CurrentQueuedCount = 0,
            TotalSuccessfulLeases = Volatile.Read(ref _successful),
            TotalFailedLeases = Volatile.Read(ref _failed),
        };
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        CellLimiter limiter = Limiter;
        if (!CanDecideSynchronously(limiter, _attemptBehavior)) return CellLease.Deferred;
        return Lease(limiter.Check(new RateLimitRule(Policy, Key, permitCount)), permitCount);
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValueTask<RateLimitResult> pending = Limiter.CheckAsync(new RateLimitRule(Policy, Key, permitCount), cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new ValueTask<RateLimitLease>(Lease(pending.Result, permitCount))
            : AwaitLease(pending, permitCount);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _disposed, 1);

    private CellLimiter Limiter => _limiter ?? SharedLimiter.Current;

    private async ValueTask<RateLimitLease> AwaitLease(ValueTask<RateLimitResult> pending, int permitCount) =>
        Lease(await pending.ConfigureAwait(false), permitCount);

    private CellLease Lease(in RateLimitResult result, int permitCount)
    {
        Volatile.Write(ref _lastUsed, Stopwatch.GetTimestamp());
        Volatile.Write(ref _remaining, result.Remaining);
        bool acquired = IsAcquired(result, permitCount);
        Interlocked.Increment(ref acquired ? ref _successful : ref _failed);
        return CellLease.For(result, acquired);
    }

    // A thread-pool thread must not wait for a Redis reply that another pool thread has to read.
    internal static bool CanDecideSynchronously(CellLimiter limiter, AttemptAcquireBehavior behavior) =>
        behavior == AttemptAcquireBehavior.AlwaysDecide || limiter is InProcess.InProcessCellLimiter || !Thread.CurrentThread.IsThreadPoolThread;

    // A zero-permit request only reads: it is acquired when a permit is available.
    internal static bool IsAcquired(in RateLimitResult result, long quantity) =>
        quantity == 0 ? !result.Limited && result.Remaining > 0 : !result.Limited;
}
