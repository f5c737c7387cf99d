using System;

namespace RedisCell.Aspects.FixedWindow;

/// <summary>A fixed window on plain numbers: the in-process twin of <c>fixed_window.lua</c>, step for step.</summary>
internal static class FixedWindowArithmetic
{
    /// <summary>What one call decides.</summary>
    public readonly struct Decision
    {
        public Decision(bool limited, long remaining, long retryAfterMs, long resetAfterMs)
        {
            Limited = limited;
            Remaining = remaining;
            RetryAfterMs = retryAfterMs;
            ResetAfterMs = resetAfterMs;
        }

        public bool Limited { get; }
        public long Remaining { get; }

        /// <summary>-1 when allowed or when the cost can never pass.</summary>
        public long RetryAfterMs { get; }
        public long ResetAfterMs { get; }
    }

    /// <summary>
    /// Decides a request. <paramref name="used"/> is the stored count, or <see langword="null"/>
    /// when the key is missing; <paramref name="pttlMs"/> its remaining TTL.
    /// </summary>
    public static Decision Decide(FixedWindowPolicy policy, long? used, long pttlMs, long cost)
    {
        long limit = policy.Limit;
        long count = used ?? 0;
        bool exists = used.HasValue;
        if (count + Math.Min(cost, limit + 1) > limit)
        {
            long reset = pttlMs >= 0 ? pttlMs : exists ? policy.WindowMilliseconds : 0;
            return new Decision(true, Math.Max(0, limit - count), cost > limit ? -1 : reset, reset);
        }

        long resetAfter = cost > 0 && (!exists || pttlMs < 0) ? policy.WindowMilliseconds : Math.Max(pttlMs, 0);
        return new Decision(false, limit - count - cost, -1, resetAfter);
    }

    /// <summary>Converts a decision to a result.</summary>
    public static RateLimitResult ToResult(in RateLimitRule rule, in Decision decision) => new(
        rule,
        decision.Limited,
        rule.Policy.Limit,
        decision.Remaining,
        decision.RetryAfterMs < 0 ? RateLimitResult.NeverNanoseconds : decision.RetryAfterMs * RateLimitResult.NanosecondsPerMillisecond,
        decision.ResetAfterMs * RateLimitResult.NanosecondsPerMillisecond);
}
