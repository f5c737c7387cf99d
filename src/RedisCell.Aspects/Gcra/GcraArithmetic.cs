using System;

namespace RedisCell.Aspects.Gcra;

/// <summary>
/// GCRA on plain numbers: the in-process twin of <c>cl_throttle.lua</c>, step for step, and the
/// reading of redis-cell's whole-second replies. Why the steps look as they do:
/// <c>docs/design/exact-arithmetic.md</c>.
/// </summary>
internal static class GcraArithmetic
{
    // 2^61 ns (73 years): within it, every step of a decision fits in a long.
    private const long NearNanoseconds = 1L << 61;

    private const long Second = 1_000_000_000L;
    private const long Millisecond = 1_000_000L;

    /// <summary>What one GCRA call decides: the reply, and the state to store when allowed.</summary>
    public readonly struct Decision
    {
        public Decision(bool limited, long remaining, long retryAfterNs, long resetAfterNs, Int128 newTat, long ttlMs)
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
    /// Decides a request. <paramref name="tat"/> is the stored TAT, or <see langword="null"/> when
    /// the key is missing.
    /// </summary>
    public static Decision Decide(GcraPolicy policy, Int128? tat, long nowNs, long quantity)
    {
        long interval = policy.EmissionIntervalNanoseconds;
        long tolerance = policy.DelayVariationToleranceNanoseconds;
        Int128 current = tat ?? nowNs;
        if (tolerance <= NearNanoseconds)
        {
            Int128 relative = current - nowNs;
            if (relative < NearNanoseconds && relative > -NearNanoseconds)
            {
                return DecideNear(interval, tolerance, policy.Limit, (long)relative, nowNs, quantity);
            }
        }

        return DecideFar(interval, tolerance, policy.Limit, current, nowNs, quantity);
    }

    /// <summary>Converts a decision to a result.</summary>
    public static RateLimitResult ToResult(in RateLimitRule rule, in Decision decision) => new(
        rule, decision.Limited, rule.Policy.Limit, decision.Remaining, decision.RetryAfterNs, decision.ResetAfterNs);

    /// <summary>
    /// Seconds as redis-cell replies them: truncated, plus one when a millisecond part remains
    /// (never for negative values).
    /// </summary>
    public static long ReplySeconds(long nanoseconds)
    {
        long seconds = nanoseconds / Second;
        long millisecondPart = nanoseconds / Millisecond % 1000;
        return millisecondPart > 0 ? seconds + 1 : seconds;
    }

    /// <summary>The largest nanoseconds redis-cell reports as <paramref name="seconds"/>: a caller who waits it out is never early.</summary>
    public static long LastNanosecondOf(long seconds) => checked((seconds * Second) + 999_999);

    /// <summary>
    /// The nanoseconds nearest to <paramref name="estimate"/> that redis-cell reports as
    /// <paramref name="seconds"/> (see <see cref="ReplySeconds"/>).
    /// </summary>
    public static long WithinReplySeconds(Int128 estimate, long seconds)
    {
        Int128 low, high;
        if (seconds > 0)
        {
            low = ((Int128)(seconds - 1) * Second) + Millisecond;
            high = ((Int128)seconds * Second) + Millisecond - 1;
        }
        else
        {
            low = ((Int128)seconds * Second) - Second + 1;
            high = seconds == 0 ? Millisecond - 1 : (Int128)seconds * Second;
        }

        return (long)Int128.Clamp(estimate, low, high);
    }

    /// <summary>
    /// When a refused request could pass, from the TAT the refusal left: once now reaches
    /// <c>tat + T * quantity - DVT</c>.
    /// </summary>
    public static Int128 RetryAfter(GcraPolicy policy, Int128 tat, Int128 now, long quantity) =>
        tat + ((Int128)policy.EmissionIntervalNanoseconds * quantity) - policy.DelayVariationToleranceNanoseconds - now;

    // The steps of DecideFar in nanoseconds relative to now, with 64-bit integers: every
    // realistic call. |relative| and the tolerance are below 2^61, so nothing here can overflow.
    private static Decision DecideNear(long interval, long tolerance, long limit, long relative, long nowNs, long quantity)
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

        long ttlMs = limited ? 0 : ttl / Millisecond;
        return new Decision(limited, remaining, retry, ttl, (Int128)nowNs + newRelative, ttlMs);
    }

    // Any parameters the policy accepts, with 128-bit integers.
    private static Decision DecideFar(long interval, long tolerance, long limit, Int128 current, long nowNs, long quantity)
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

        long ttlMs = limited ? 0 : (long)(ttl / Millisecond);
        return new Decision(limited, remaining, retry, (long)ttl, newTat, ttlMs);
    }
}
