using System;
using System.Threading;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects;

/// <summary>
/// The answer to a rate-limit check: whether the call is <see cref="Limited"/>, the
/// <see cref="Limit"/>, what is <see cref="Remaining"/>, and when to retry or when the key resets.
/// </summary>
/// <remarks>
/// Durations keep the store's full nanosecond precision internally; the <see cref="TimeSpan"/>
/// properties round up to the next tick so a caller that waits them out is never early.
/// <see cref="ToCellReply"/> gives the five integers <c>CL.THROTTLE</c> would have replied.
/// </remarks>
public readonly struct RateLimitResult
{
    /// <summary>The retry-after of a result whose quantity can never pass, or of an allowed one.</summary>
    internal const long NeverNanoseconds = -1_000_000_000L;

    internal const long NanosecondsPerMillisecond = 1_000_000L;

    internal RateLimitResult(RateLimitRule rule, bool limited, long limit, long remaining, long retryAfterNanoseconds, long resetAfterNanoseconds)
    {
        Rule = rule;
        Limited = limited;
        Limit = limit;
        Remaining = remaining;
        RetryAfterNanoseconds = retryAfterNanoseconds;
        ResetAfterNanoseconds = resetAfterNanoseconds;
    }

    /// <summary>The rule that produced this result; for a multi-rule check, the deciding rule.</summary>
    public RateLimitRule Rule { get; }

    /// <summary><see langword="true"/> when the call was refused; nothing was consumed then.</summary>
    public bool Limited { get; }

    /// <summary><see langword="true"/> when the call was allowed and consumed its quantity.</summary>
    public bool Allowed => !Limited;

    /// <summary>The limit: <c>max_burst + 1</c> for GCRA, the window's limit for a fixed window.</summary>
    public long Limit { get; }

    /// <summary>How many more units would be allowed right now.</summary>
    public long Remaining { get; }

    /// <summary>
    /// When a limited call could succeed: <see cref="TimeSpan.Zero"/> for an allowed call, and
    /// <see cref="Timeout.InfiniteTimeSpan"/> when the quantity exceeds the whole limit and no
    /// amount of waiting helps.
    /// </summary>
    public TimeSpan RetryAfter => !Limited ? TimeSpan.Zero
        : RetryAfterNanoseconds < 0 ? Timeout.InfiniteTimeSpan
        : CeilingTicks(RetryAfterNanoseconds);

    /// <summary>When the key returns to its full limit (never negative).</summary>
    public TimeSpan ResetAfter => ResetAfterNanoseconds <= 0 ? TimeSpan.Zero : CeilingTicks(ResetAfterNanoseconds);

    /// <summary>Retry-after in nanoseconds as the store computed it; -1 s when it does not apply.</summary>
    internal long RetryAfterNanoseconds { get; }

    /// <summary>Reset-after in nanoseconds as the store computed it (may be slightly negative).</summary>
    internal long ResetAfterNanoseconds { get; }

    /// <summary>
    /// Who answered, for telemetry: a decision answered in process (the deny cache, the failure
    /// policy) must not be timed or traced as a round trip to the store.
    /// </summary>
    internal DecisionSource Source { get; private init; }

    /// <summary>This result, answered by <paramref name="source"/>.</summary>
    internal RateLimitResult AnsweredBy(DecisionSource source) => this with { Source = source };

    /// <summary>The five integers <c>CL.THROTTLE</c> replies for this result.</summary>
    public CellThrottleReply ToCellReply() => new(
        Limited ? 1 : 0, Limit, Remaining, GcraArithmetic.ReplySeconds(RetryAfterNanoseconds), GcraArithmetic.ReplySeconds(ResetAfterNanoseconds));

    /// <inheritdoc />
    public override string ToString() => Limited
        ? $"limited: {Remaining}/{Limit} remaining, retry after {RetryAfter}, reset after {ResetAfter}"
        : $"allowed: {Remaining}/{Limit} remaining, reset after {ResetAfter}";

    /// <summary>
    /// The deciding result among several rules' results: the limited one that frees up last (one
    /// that can never pass first), or when all are allowed, the one with the least remaining.
    /// </summary>
    internal static RateLimitResult MostBinding(ReadOnlySpan<RateLimitResult> results)
    {
        int chosen = 0;
        for (int i = 1; i < results.Length; i++)
        {
            if (IsMoreBinding(results[i], results[chosen])) chosen = i;
        }

        return results[chosen];
    }

    private static bool IsMoreBinding(in RateLimitResult candidate, in RateLimitResult current)
    {
        if (candidate.Limited != current.Limited) return candidate.Limited;
        if (!candidate.Limited) return candidate.Remaining < current.Remaining;
        bool candidateNever = candidate.RetryAfterNanoseconds < 0, currentNever = current.RetryAfterNanoseconds < 0;
        if (candidateNever != currentNever) return candidateNever;
        return candidate.RetryAfterNanoseconds > current.RetryAfterNanoseconds;
    }

    private static TimeSpan CeilingTicks(long nanoseconds) => TimeSpan.FromTicks((nanoseconds + 99) / 100);
}

/// <summary>The reply of <c>CL.THROTTLE</c>: five integers.</summary>
/// <param name="Limited">1 when the request was refused, else 0.</param>
/// <param name="Limit">The limit, <c>max_burst + 1</c>.</param>
/// <param name="Remaining">Requests still allowed now.</param>
/// <param name="RetryAfterSeconds">Seconds until a refused request could pass, or -1.</param>
/// <param name="ResetAfterSeconds">Seconds until the key is back to its full limit.</param>
public readonly record struct CellThrottleReply(long Limited, long Limit, long Remaining, long RetryAfterSeconds, long ResetAfterSeconds);
