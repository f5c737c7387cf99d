using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// System.Threading.RateLimiting doing the work of <see cref="ThrottledCallBenchmarks"/>: one token
/// bucket (a constant key) and a limiter partitioned by a string key, allowed and limited, around
/// the same empty method.
/// </summary>
/// <remarks>
/// The token bucket is refilled by a timer, so acquiring never reads the clock; GCRA must read it on
/// every call. A refused lease is a shared instance for the bucket, a new one per call when partitioned.
/// </remarks>
[MemoryDiagnoser]
public class BclRateLimiterBenchmarks
{
    private TokenBucketRateLimiter _bucket = null!;
    private TokenBucketRateLimiter _emptyBucket = null!;
    private PartitionedRateLimiter<string> _partitioned = null!;
    private PartitionedRateLimiter<string> _emptyPartitioned = null!;
    private int _userId;

    [GlobalSetup]
    public void Setup()
    {
        _userId = 4242;
        _bucket = new TokenBucketRateLimiter(OpenBucket());
        _emptyBucket = new TokenBucketRateLimiter(ClosedBucket());
        _emptyBucket.AttemptAcquire(1).Dispose();
        _partitioned = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => OpenBucket()));
        _emptyPartitioned = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => ClosedBucket()));
        _emptyPartitioned.AttemptAcquire("bench:closed").Dispose();
        _emptyPartitioned.AttemptAcquire($"closed:{_userId}").Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bucket.Dispose();
        _emptyBucket.Dispose();
        _partitioned.Dispose();
        _emptyPartitioned.Dispose();
    }

    [Benchmark(Baseline = true, Description = "empty method, not limited")]
    public void EmptyMethod() => Body();

    [Benchmark(Description = "BCL token bucket, allowed")]
    public void TokenBucket()
    {
        using RateLimitLease lease = _bucket.AttemptAcquire(1);
        if (!lease.IsAcquired) throw new InvalidOperationException("The open bucket refused a call.");
        Body();
    }

    [Benchmark(Description = "BCL token bucket, limited")]
    public bool TokenBucketLimited()
    {
        using RateLimitLease lease = _emptyBucket.AttemptAcquire(1);
        return !lease.IsAcquired;
    }

    [Benchmark(Description = "BCL partitioned by string, constant key, allowed")]
    public void PartitionedConstantKey()
    {
        using RateLimitLease lease = _partitioned.AttemptAcquire("bench:constant");
        if (!lease.IsAcquired) throw new InvalidOperationException("The open bucket refused a call.");
        Body();
    }

    [Benchmark(Description = "BCL partitioned by string, templated key, allowed")]
    public void PartitionedTemplatedKey()
    {
        using RateLimitLease lease = _partitioned.AttemptAcquire($"user:{_userId}");
        if (!lease.IsAcquired) throw new InvalidOperationException("The open bucket refused a call.");
        Body();
    }

    [Benchmark(Description = "BCL partitioned by string, templated key, limited")]
    public bool PartitionedTemplatedKeyLimited()
    {
        using RateLimitLease lease = _emptyPartitioned.AttemptAcquire($"closed:{_userId}");
        return !lease.IsAcquired;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Body()
    {
    }

    // Never runs dry within a benchmark: 10^9 tokens, refilled by 10^9 every 10 ms.
    private static TokenBucketRateLimiterOptions OpenBucket() => new()
    {
        TokenLimit = 1_000_000_000,
        TokensPerPeriod = 1_000_000_000,
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(10),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    // One token an hour.
    private static TokenBucketRateLimiterOptions ClosedBucket() => new()
    {
        TokenLimit = 1,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromHours(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
