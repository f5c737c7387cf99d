using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects;

/// <summary>
/// Decides rate limits: GCRA exactly as redis-cell's <c>CL.THROTTLE</c>, and fixed windows.
/// <c>Check</c> methods return a <see cref="RateLimitResult"/>; <c>Acquire</c> methods throw
/// <see cref="RateLimitExceededException"/> when the call is limited. Several rules passed together
/// are decided atomically: a call refused by one rule consumes nothing from the others.
/// </summary>
/// <remarks>
/// <see cref="Redis.RedisCellLimiter"/> keeps the state in Redis (or Garnet, or a Redis Cluster) so
/// that every process shares one limit; <see cref="InProcess.InProcessCellLimiter"/> is its
/// in-process twin, with the same answers for the same clock. The synchronous methods use
/// synchronous calls all the way down; code generated for the attributes calls the limiter
/// <see cref="SharedLimiter"/> holds.
/// </remarks>
public abstract class CellLimiter : IDisposable, IAsyncDisposable
{
    private protected CellLimiter()
    {
    }

    /// <summary>Decides one rule, consuming its quantity when allowed.</summary>
    /// <exception cref="ArgumentException">The rule was not created with its constructor.</exception>
    /// <exception cref="RedisCellException">The key holds something that is not this limiter's state.</exception>
    public RateLimitResult Check(in RateLimitRule rule)
    {
        ValidateRule(rule, nameof(rule));
        if (!CellTelemetry.IsEnabled) return CheckCore(rule);
        CellTelemetry.DecisionScope telemetry = CellTelemetry.StartDecision(rule.Policy, rule.Quantity, 1, StoreName);
        RateLimitResult result;
        try
        {
            result = CheckCore(rule);
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw;
        }

        telemetry.Complete(result);
        return result;
    }

    /// <inheritdoc cref="Check(in RateLimitRule)"/>
    public ValueTask<RateLimitResult> CheckAsync(RateLimitRule rule, CancellationToken cancellationToken = default)
    {
        ValidateRule(rule, nameof(rule));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<RateLimitResult>(cancellationToken);
        return CellTelemetry.IsEnabled ? CheckRecordedAsync(rule, cancellationToken) : CheckCoreAsync(rule, cancellationToken);
    }

    /// <summary>
    /// Decides several rules atomically: when any is limited, none consumes anything. The result is
    /// the deciding rule's: the limited rule that frees up last, or when all are allowed, the one
    /// with the least remaining.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rules"/> is empty or holds a rule not created with its constructor.</exception>
    /// <exception cref="RedisCellException">A key holds something that is not this limiter's state.</exception>
    public RateLimitResult Check(ReadOnlySpan<RateLimitRule> rules)
    {
        ValidateRules(rules, nameof(rules));
        if (!CellTelemetry.IsEnabled) return rules.Length == 1 ? CheckCore(rules[0]) : CheckManyCore(rules);
        CellTelemetry.DecisionScope telemetry = CellTelemetry.StartDecision(rules[0].Policy, rules[0].Quantity, rules.Length, StoreName);
        RateLimitResult result;
        try
        {
            result = rules.Length == 1 ? CheckCore(rules[0]) : CheckManyCore(rules);
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw;
        }

        telemetry.Complete(result);
        return result;
    }

    /// <inheritdoc cref="Check(ReadOnlySpan{RateLimitRule})"/>
    public ValueTask<RateLimitResult> CheckAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken = default)
    {
        ValidateRules(rules.Span, nameof(rules));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<RateLimitResult>(cancellationToken);
        if (CellTelemetry.IsEnabled) return CheckManyRecordedAsync(rules, cancellationToken);
        return rules.Length == 1 ? CheckCoreAsync(rules.Span[0], cancellationToken) : CheckManyCoreAsync(rules, cancellationToken);
    }

    /// <summary>Forgets everything stored under <paramref name="key"/>, so its next call starts afresh.</summary>
    /// <remarks>
    /// This is the state of single-rule checks on <paramref name="key"/>. On a Redis Cluster a
    /// multi-rule check whose keys fall in different slots keeps its state under other keys; reset
    /// that with <see cref="Reset(string, ReadOnlySpan{RateLimitRule})"/>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null or empty.</exception>
    public void Reset(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ResetCore(key);
    }

    /// <inheritdoc cref="Reset(string)"/>
    public ValueTask ResetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        return ResetCoreAsync(key, cancellationToken);
    }

    /// <summary>
    /// Forgets what multi-rule checks of <paramref name="checkedWith"/> stored under
    /// <paramref name="key"/>, one of their keys, so that rule starts afresh in that combination;
    /// the other rules' state is kept.
    /// </summary>
    /// <remarks>
    /// Pass the rules the check passes (their policies and keys; quantities do not matter), such as
    /// those of a method with several rate-limit attributes. Off a cluster, and when the rules' keys
    /// share a hash slot, this is <see cref="Reset(string)"/>. On a Redis Cluster, keys in different
    /// slots are stored under a hash tag derived from the rules' policies, which this resets and
    /// <see cref="Reset(string)"/> does not.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="key"/> is null or empty or not the key of one of <paramref name="checkedWith"/>,
    /// or <paramref name="checkedWith"/> is empty or holds a rule not created with its constructor.
    /// </exception>
    public void Reset(string key, ReadOnlySpan<RateLimitRule> checkedWith)
    {
        ValidateCombination(key, checkedWith);
        ResetCore(key, checkedWith);
    }

    /// <inheritdoc cref="Reset(string, ReadOnlySpan{RateLimitRule})"/>
    public ValueTask ResetAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken = default)
    {
        ValidateCombination(key, checkedWith.Span);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        return ResetCoreAsync(key, checkedWith, cancellationToken);
    }

    /// <summary>Names the store in telemetry: <c>redis</c> or <c>in_process</c>.</summary>
    internal abstract string StoreName { get; }

    internal abstract RateLimitResult CheckCore(in RateLimitRule rule);

    internal abstract ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken);

    internal abstract RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules);

    internal abstract ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken);

    internal abstract void ResetCore(string key);

    internal abstract ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken);

    // A store that keeps every rule under its own key whatever it is checked with resets the key.
    internal virtual void ResetCore(string key, ReadOnlySpan<RateLimitRule> checkedWith) => ResetCore(key);

    internal virtual ValueTask ResetCoreAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken) =>
        ResetCoreAsync(key, cancellationToken);

    /// <summary>Decides one rule and throws when it is limited.</summary>
    /// <exception cref="RateLimitExceededException">The call is over its limit.</exception>
    public void Acquire(in RateLimitRule rule)
    {
        RateLimitResult result = Check(rule);
        if (result.Limited) throw new RateLimitExceededException(result);
    }

    /// <inheritdoc cref="Acquire(in RateLimitRule)"/>
    public ValueTask AcquireAsync(RateLimitRule rule, CancellationToken cancellationToken = default)
    {
        ValueTask<RateLimitResult> pending = CheckAsync(rule, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            RateLimitResult result = pending.Result;
            return result.Limited ? ValueTask.FromException(new RateLimitExceededException(result)) : default;
        }

        return AwaitAndThrowIfLimited(pending);
    }

    /// <summary>Decides several rules atomically and throws when any is limited.</summary>
    /// <exception cref="RateLimitExceededException">The call is over one of its limits; nothing was consumed.</exception>
    public void Acquire(ReadOnlySpan<RateLimitRule> rules)
    {
        RateLimitResult result = Check(rules);
        if (result.Limited) throw new RateLimitExceededException(result);
    }

    /// <inheritdoc cref="Acquire(ReadOnlySpan{RateLimitRule})"/>
    public ValueTask AcquireAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken = default)
    {
        ValueTask<RateLimitResult> pending = CheckAsync(rules, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            RateLimitResult result = pending.Result;
            return result.Limited ? ValueTask.FromException(new RateLimitExceededException(result)) : default;
        }

        return AwaitAndThrowIfLimited(pending);
    }

    /// <summary>Releases the limiter's resources (a connection it opened itself).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc cref="Dispose()"/>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        Dispose(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; <paramref name="disposing"/> is false when called from <see cref="DisposeAsync"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Releases resources asynchronously.</summary>
    protected virtual ValueTask DisposeAsyncCore() => default;

    private static void ValidateRule(in RateLimitRule rule, string paramName)
    {
        // default(RateLimitRule) bypasses the constructor's checks.
        if (rule.Policy is null || rule.Key is null)
        {
            throw new ArgumentException("The rule has no policy or key; create rules with the RateLimitRule constructor.", paramName);
        }
    }

    private static void ValidateRules(ReadOnlySpan<RateLimitRule> rules, string paramName)
    {
        if (rules.IsEmpty) throw new ArgumentException("At least one rule is needed.", paramName);
        foreach (RateLimitRule rule in rules) ValidateRule(rule, paramName);
    }

    private static void ValidateCombination(string key, ReadOnlySpan<RateLimitRule> checkedWith)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ValidateRules(checkedWith, nameof(checkedWith));
        foreach (RateLimitRule rule in checkedWith)
        {
            if (string.Equals(rule.Key, key, StringComparison.Ordinal)) return;
        }

        throw new ArgumentException($"'{key}' is not the key of any of the rules it was checked with.", nameof(key));
    }

    // Async methods, so that the decision's span is Activity.Current only while the decision runs:
    // an async method hands its caller back the caller's own Activity.Current when it returns.
    // Pooled: a decision still in flight allocates no state machine in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> CheckRecordedAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        CellTelemetry.DecisionScope telemetry = CellTelemetry.StartDecision(rule.Policy, rule.Quantity, 1, StoreName);
        RateLimitResult result;
        try
        {
            result = await CheckCoreAsync(rule, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw;
        }

        telemetry.Complete(result);
        return result;
    }

    // Pooled: a decision still in flight allocates no state machine in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> CheckManyRecordedAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        RateLimitRule first = rules.Span[0];
        CellTelemetry.DecisionScope telemetry = CellTelemetry.StartDecision(first.Policy, first.Quantity, rules.Length, StoreName);
        RateLimitResult result;
        try
        {
            result = await (rules.Length == 1 ? CheckCoreAsync(first, cancellationToken) : CheckManyCoreAsync(rules, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw;
        }

        telemetry.Complete(result);
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAndThrowIfLimited(ValueTask<RateLimitResult> pending)
    {
        RateLimitResult result = await pending.ConfigureAwait(false);
        if (result.Limited) throw new RateLimitExceededException(result);
    }
}
