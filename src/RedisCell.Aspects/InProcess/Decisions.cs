using System;

namespace RedisCell.Aspects;

/// <summary>
/// The arithmetic of both algorithms on plain numbers: the in-process twin of
/// <c>cl_throttle.lua</c> and <c>fixed_window.lua</c>, step for step.
/// </summary>
internal static class Decisions
{
    public const long NanosecondsPerMillisecond = 1_000_000L;

    // 2^61 ns (73 years): within it, every step of a GCRA decision fits in a long.
    private const long NearNanoseconds = 1L << 61;

    /// <summary>What one GCRA call decides: the reply, and the state to store when allowed.</summary>
    public readonly struct Gcra
    {
        public Gcra(bool limited, long remaining, long retryAfterNs, long resetAfterNs, Int128 newTat, long ttlMs)
        {
            Limited = limited;
            Remaining = remaining;
            RetryAfterNs = retryAfterNs;
            ResetAfterNs = resetAfterNs;
            NewTat = newTat;
            TtlMs = ttlMs;
        }

        public bool Limited { get; }
        public long Remaining { get; }
        public long RetryAfterNs { get; }
        public long ResetAfterNs { get; }

        /// <summary>The TAT to store when allowed.</summary>
        public Int128 NewTat { get; }

        /// <summary>The TTL to store when allowed; 0 means delete the key.</summary>
        public long TtlMs { get; }
    }

    /// <summary>
    /// Decides a GCRA request. <paramref name="tat"/> is the stored TAT, or <see langword="null"/>
    /// when the key is missing.
    /// </summary>
    public static Gcra DecideGcra(GcraPolicy policy, Int128? tat, long nowNs, long quantity)
    {
        long interval = policy.EmissionIntervalNanoseconds;
        long tolerance = policy.DelayVariationToleranceNanoseconds;
        Int128 current = tat ?? nowNs;
        if (tolerance <= NearNanoseconds)
        {
            Int128 relative = current - nowNs;
            if (relative < NearNanoseconds && relative > -NearNanoseconds)
            {
                return DecideGcraNear(interval, tolerance, policy.Limit, (long)relative, nowNs, quantity);
            }
        }

        return DecideGcraFar(interval, tolerance, policy.Limit, current, nowNs, quantity);
    }

    // The same steps as DecideGcraFar in nanoseconds relative to now, with 64-bit integers: every
    // realistic call. |relative| and the tolerance are below 2^61, so nothing here can overflow.
    private static Gcra DecideGcraNear(long interval, long tolerance, long limit, long relative, long nowNs, long quantity)
    {
        bool over = quantity > limit;
        bool limited = over;
        long newRelative = 0, diff = 0;
        if (!over)
        {
            newRelative = (relative > 0 ? relative : 0) + (interval * quantity);
            diff = tolerance - newRelative;
            limited = diff < 0;
        }

        long ttl = limited ? relative : newRelative;
        long retry = limited && !over ? -diff : RateLimitResult.NeverNanoseconds;
        long remaining = 0;
        long next = tolerance - ttl;
        if (next > -interval)
        {
            double ratio = (double)(next / 1000) / (interval / 1000);
            if (ratio > 0) remaining = (long)ratio;
        }

        long ttlMs = limited ? 0 : ttl / NanosecondsPerMillisecond;
        return new Gcra(limited, remaining, retry, ttl, (Int128)nowNs + newRelative, ttlMs);
    }

    // Any parameters the policy accepts, with 128-bit integers.
    private static Gcra DecideGcraFar(long interval, long tolerance, long limit, Int128 current, long nowNs, long quantity)
    {
        // A quantity above the whole limit can never pass; it is refused without arithmetic.
        bool over = quantity > limit;
        bool limited = over;
        Int128 newTat = 0, diff = 0;
        if (!over)
        {
            Int128 increment = (Int128)interval * quantity;
            newTat = (current > nowNs ? current : nowNs) + increment;
            diff = nowNs - (newTat - tolerance);
            limited = diff < 0;
        }

        Int128 ttl = limited ? current - nowNs : newTat - nowNs;
        long retry = limited && !over ? (long)(-diff) : RateLimitResult.NeverNanoseconds;

        // remaining = trunc(micros(dvt - ttl) / micros(T)) when dvt - ttl > -T, never negative.
        long remaining = 0;
        Int128 next = tolerance - ttl;
        if (next > -interval)
        {
            double ratio = (double)(long)(next / 1000) / (interval / 1000);
            if (ratio > 0) remaining = (long)Math.Floor(ratio);
        }

        long ttlMs = limited ? 0 : (long)(ttl / NanosecondsPerMillisecond);
        return new Gcra(limited, remaining, retry, (long)ttl, newTat, ttlMs);
    }

    /// <summary>What one fixed-window call decides.</summary>
    public readonly struct Window
    {
        public Window(bool limited, long remaining, long retryAfterMs, long resetAfterMs)
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
    /// Decides a fixed-window request. <paramref name="used"/> is the stored count, or
    /// <see langword="null"/> when the key is missing; <paramref name="pttlMs"/> its remaining TTL.
    /// </summary>
    public static Window DecideWindow(FixedWindowPolicy policy, long? used, long pttlMs, long cost)
    {
        long limit = policy.Limit;
        long count = used ?? 0;
        bool exists = used.HasValue;
        if (count + Math.Min(cost, limit + 1) > limit)
        {
            long reset = pttlMs >= 0 ? pttlMs : exists ? policy.WindowMilliseconds : 0;
            return new Window(true, Math.Max(0, limit - count), cost > limit ? -1 : reset, reset);
        }

        long resetAfter = cost > 0 && (!exists || pttlMs < 0) ? policy.WindowMilliseconds : Math.Max(pttlMs, 0);
        return new Window(false, limit - count - cost, -1, resetAfter);
    }

    /// <summary>Converts a window decision to a result.</summary>
    public static RateLimitResult ToResult(in RateLimitRule rule, in Window decision) => new(
        rule,
        decision.Limited,
        rule.Policy.Limit,
        decision.Remaining,
        decision.RetryAfterMs < 0 ? RateLimitResult.NeverNanoseconds : decision.RetryAfterMs * NanosecondsPerMillisecond,
        decision.ResetAfterMs * NanosecondsPerMillisecond);

    /// <summary>Converts a GCRA decision to a result.</summary>
    public static RateLimitResult ToResult(in RateLimitRule rule, in Gcra decision) => new(
        rule, decision.Limited, rule.Policy.Limit, decision.Remaining, decision.RetryAfterNs, decision.ResetAfterNs);
}
