using System.Diagnostics;

namespace RedisCell.Aspects.LoadHarness;

/// <summary>
/// Call latencies in fixed buckets, allocated before a run so that recording allocates nothing
/// (the harness measures bytes per call): 1 µs buckets up to 10 ms, then 100 µs buckets up to 1 s.
/// One per caller; merged after the run.
/// </summary>
public sealed class LatencyHistogram
{
    private const int FineBuckets = 10_000;   // 0 .. 10 ms by 1 µs
    private const int CoarseBuckets = 10_000; // 10 ms .. 1 s by 100 µs
    private readonly long[] _counts = new long[FineBuckets + CoarseBuckets + 1];

    public long Count { get; private set; }

    public void Record(long stopwatchTicks)
    {
        long micros = stopwatchTicks * 1_000_000 / Stopwatch.Frequency;
        long bucket = micros < FineBuckets ? micros : Math.Min(FineBuckets + ((micros - FineBuckets) / 100), FineBuckets + CoarseBuckets);
        _counts[bucket]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
    }

    /// <summary>The latency at <paramref name="quantile"/> in microseconds (bucket's upper edge).</summary>
    public double Percentile(double quantile)
    {
        if (Count == 0) return double.NaN;
        long rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return i < FineBuckets ? i + 1 : FineBuckets + ((i - FineBuckets + 1) * 100.0);
        }

        return double.PositiveInfinity;
    }
}
