using System;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;

namespace RedisCell.Aspects.RateLimiting;

/// <summary>
/// A <see cref="PartitionedRateLimiter{TResource}"/> decided by a <see cref="CellLimiter"/>: each
/// resource maps to a <see cref="RateLimitRule"/> (policy, key and cost), and the store keeps one state
/// per key. Unlike <see cref="PartitionedRateLimiter.Create{TResource, TPartitionKey}"/> it keeps no
/// limiter object per partition, so a million users cost nothing in this process.
/// </summary>
/// <remarks>
/// <para>
/// The permits asked for multiply the rule's quantity: with <c>new RateLimitRule(budget, key, quantity: tokens)</c>,
/// one permit charges <c>tokens</c>. Leases behave as <see cref="CellRateLimiter"/>'s do, and
/// <see cref="RateLimiter.AttemptAcquire(int)"/> follows <see cref="CellRateLimiterOptions.AttemptAcquireBehavior"/>.
/// </para>
/// <para>Set it as ASP.NET Core's <c>RateLimiterOptions.GlobalLimiter</c>, or chain it with others.</para>
/// </remarks>
/// <typeparam name="TResource">What is limited: an <c>HttpContext</c>, a request, a user.</typeparam>
public sealed class CellPartitionedRateLimiter<TResource> : PartitionedRateLimiter<TResource>
{
    private readonly Func<TResource, RateLimitRule> _partitioner;
    private readonly CellLimiter? _limiter;
    private readonly AttemptAcquireBehavior _attemptBehavior;
    private int _disposed;

    /// <summary>Creates a limiter that asks <paramref name="partitioner"/> which rule applies to each resource.</summary>
    /// <param name="partitioner">The rule for a resource: its policy, its key, and what one permit costs.</param>
    /// <param name="options">Which limiter decides and what a synchronous acquire does; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="partitioner"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public CellPartitionedRateLimiter(Func<TResource, RateLimitRule> partitioner, CellRateLimiterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        if (options is not null && !Enum.IsDefined(options.AttemptAcquireBehavior))
        {
            throw new ArgumentException($"AttemptAcquireBehavior {options.AttemptAcquireBehavior} is not defined.", nameof(options));
        }

        _partitioner = partitioner;
        _limiter = options?.Limiter;
        _attemptBehavior = options?.AttemptAcquireBehavior ?? AttemptAcquireBehavior.NeverBlockThreadPool;
    }

    /// <summary>Not kept: the state of every partition lives in the store. Use the <c>RedisCell.Aspects</c> meter for counts.</summary>
    /// <returns><see langword="null"/>.</returns>
    public override RateLimiterStatistics? GetStatistics(TResource resource) => null;

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RateLimitRule rule = RuleFor(resource, permitCount);
        CellLimiter limiter = Limiter;
        if (!CellRateLimiter.CanDecideSynchronously(limiter, _attemptBehavior)) return CellLease.Deferred;
        RateLimitResult result = limiter.Check(rule);
        return CellLease.For(result, CellRateLimiter.IsAcquired(result, rule.Quantity));
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(TResource resource, int permitCount, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RateLimitRule rule = RuleFor(resource, permitCount);
        ValueTask<RateLimitResult> pending = Limiter.CheckAsync(rule, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            RateLimitResult result = pending.Result;
            return new ValueTask<RateLimitLease>(CellLease.For(result, CellRateLimiter.IsAcquired(result, rule.Quantity)));
        }

        return AwaitLease(pending, rule.Quantity);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _disposed, 1);

    private CellLimiter Limiter => _limiter ?? SharedLimiter.Current;

    private static async ValueTask<RateLimitLease> AwaitLease(ValueTask<RateLimitResult> pending, long quantity)
    {
        RateLimitResult result = await pending.ConfigureAwait(false);
        return CellLease.For(result, CellRateLimiter.IsAcquired(result, quantity));
    }

    private RateLimitRule RuleFor(TResource resource, int permitCount)
    {
        RateLimitRule rule = _partitioner(resource);
        if (rule.Policy is null || rule.Key is null)
        {
            throw new InvalidOperationException("The partitioner returned a default RateLimitRule; create rules with the RateLimitRule constructor.");
        }

        long quantity;
        try
        {
            quantity = checked(rule.Quantity * permitCount);
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"{permitCount} permits of {rule.Quantity} units each overflow.");
        }

        return quantity == rule.Quantity ? rule : new RateLimitRule(rule.Policy, rule.Key, quantity);
    }
}
