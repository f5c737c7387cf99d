using System;
using System.Runtime.CompilerServices;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// The policies one process applies on its own while the store is unavailable: each limit scaled
/// by <see cref="FailureOptions.LocalShare"/>, so that <c>n</c> processes with a share of
/// <c>1/n</c> together allow about what the shared limit would.
/// </summary>
/// <remarks>
/// <para>
/// GCRA has two limits and both are scaled: the burst (<c>max_burst + 1</c> becomes
/// <c>floor(share * (max_burst + 1))</c>) and the sustained rate (<c>count / period</c> becomes at
/// most <c>share * count / period</c>, written with a longer period when <c>share * count</c> is not
/// a whole number, so the rate is rounded down by less than 0.1 %). A fixed window keeps its length
/// and allows <c>floor(share * limit)</c>. Every scaled policy allows at least one request: a share
/// that rounds to nothing would refuse every call, which is the fail-closed policy, not a share.
/// </para>
/// <para>
/// Policies are shared and long-lived (generated code keeps them in static fields), so each one's
/// scaled twin is computed once and kept alongside it for as long as the policy lives.
/// </para>
/// </remarks>
internal sealed class LocalShare
{
    // Enough digits in the scaled count that rounding it down loses under 0.1 % of the rate.
    private const double CountPrecision = 1000;

    private readonly double _share;
    private readonly ConditionalWeakTable<RateLimitPolicy, RateLimitPolicy> _scaled = new();

    public LocalShare(double share) => _share = share;

    /// <summary>The policy this process applies on its own in place of <paramref name="policy"/>.</summary>
    public RateLimitPolicy For(RateLimitPolicy policy)
    {
        if (_share >= 1) return policy;
        return _scaled.GetValue(policy, p => Scale(p, _share));
    }

    internal static RateLimitPolicy Scale(RateLimitPolicy policy, double share) => policy switch
    {
        GcraPolicy gcra => ScaleGcra(gcra, share),
        FixedWindowPolicy window => new FixedWindowPolicy(ScaleLimit(window.Limit, share), window.Window),
        _ => policy,
    };

    private static long ScaleLimit(long limit, double share) => Math.Max(1, (long)Math.Floor(limit * share));

    private static RateLimitPolicy ScaleGcra(GcraPolicy policy, double share)
    {
        long maxBurst = ScaleLimit(policy.Limit, share) - 1;
        double scaledCount = policy.Count * share;

        // count' / period' <= share * count / period, with period' = period * m and
        // count' = floor(share * count * m): the smallest m that keeps CountPrecision digits.
        long multiplier = scaledCount >= CountPrecision ? 1 : (long)Math.Ceiling(CountPrecision / scaledCount);
        multiplier = Math.Min(multiplier, GcraPolicy.MaxPeriodSeconds / policy.PeriodSeconds);
        while (multiplier >= 1)
        {
            long count = (long)Math.Min(Math.Floor(scaledCount * multiplier), GcraPolicy.MaxCount);
            long period = policy.PeriodSeconds * multiplier;
            if (count >= 1 && GcraPolicy.Check(maxBurst, count, period) is null) return new GcraPolicy(maxBurst, count, period);
            multiplier /= 2;
        }

        // Unreachable for any policy GcraPolicy accepts; keeping the whole limit is the safe answer.
        return policy;
    }
}
