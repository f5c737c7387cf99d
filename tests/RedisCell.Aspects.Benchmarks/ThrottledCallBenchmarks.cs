using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// A throttled call on the in-process limiter, allowed and limited, with a constant key and with a
/// key built from an argument, beside System.Threading.RateLimiting doing the same work: one token
/// bucket (constant key) and a limiter partitioned by a string key.
/// </summary>
/// <remarks>
/// <para>
/// The throttled methods are what code generated for <c>[Throttle]</c> does around a method body:
/// build the key, ask <see cref="CellLimiter.Shared"/>, throw when limited, run the body. The body is
/// an empty method that is never inlined, so every case pays one real call for it.
/// </para>
/// <para>
/// "Allowed" cases use limits that no benchmark run can exhaust; "limited" cases use a key that
/// allows one call per hour, spent in the setup. A limited throttled call throws
/// <see cref="RateLimitExceededException"/> (the wrapper's contract), so it is measured twice: the
/// decision alone (<c>Check</c>) and the whole throw-and-catch.
/// </para>
/// </remarks>
[MemoryDiagnoser]
public class ThrottledCallBenchmarks
{
    // GCRA: a burst no run can spend (10^15) at a million per second; and one call per hour.
    private static readonly GcraPolicy s_open = new(1_000_000_000_000_000L, 1_000_000, 1);
    private static readonly GcraPolicy s_closed = new(0, 1, 3600);

    private TokenBucketRateLimiter _bucket = null!;
    private TokenBucketRateLimiter _emptyBucket = null!;
    private PartitionedRateLimiter<string> _partitioned = null!;
    private PartitionedRateLimiter<string> _emptyPartitioned = null!;
    private CellLimiter _limiter = null!;
    private int _userId;

    /// <summary>Which clock the in-process limiter reads.</summary>
    [Params("precise")]
    public string Clock { get; set; } = "precise";

    [GlobalSetup]
    public void Setup()
    {
        _userId = 4242;
        _limiter = new InProcessCellLimiter(new RedisCellOptions { TimeProvider = ClockFor(Clock) });
        CellLimiter.ConfigureShared(_limiter);
        _limiter.Check(new RateLimitRule(s_closed, "bench:closed"));
        _limiter.Check(new RateLimitRule(s_closed, RateLimitKey.Create($"closed:{_userId}")));

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
        _limiter.Dispose();
        _bucket.Dispose();
        _emptyBucket.Dispose();
        _partitioned.Dispose();
        _emptyPartitioned.Dispose();
    }

    [Benchmark(Baseline = true, Description = "empty method, not throttled")]
    public void EmptyMethod() => Body();

    [Benchmark(Description = "throttled, constant key, allowed")]
    public void ThrottledConstantKey()
    {
        CellLimiter.Shared.Acquire(new RateLimitRule(s_open, "bench:constant"));
        Body();
    }

    [Benchmark(Description = "throttled, templated key, allowed")]
    public void ThrottledTemplatedKey()
    {
        CellLimiter.Shared.Acquire(new RateLimitRule(s_open, RateLimitKey.Create($"user:{_userId}")));
        Body();
    }

    [Benchmark(Description = "Check, constant key, limited")]
    public bool CheckConstantKeyLimited() => CellLimiter.Shared.Check(new RateLimitRule(s_closed, "bench:closed")).Limited;

    [Benchmark(Description = "Check, templated key, limited")]
    public bool CheckTemplatedKeyLimited() =>
        CellLimiter.Shared.Check(new RateLimitRule(s_closed, RateLimitKey.Create($"closed:{_userId}"))).Limited;

    [Benchmark(Description = "throttled, constant key, limited (throws)")]
    public bool ThrottledConstantKeyLimited()
    {
        try
        {
            CellLimiter.Shared.Acquire(new RateLimitRule(s_closed, "bench:closed"));
            Body();
            return false;
        }
        catch (RateLimitExceededException)
        {
            return true;
        }
    }

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

    private static TimeProvider ClockFor(string clock) => clock switch
    {
        "precise" => TimeProvider.System,
        _ => throw new ArgumentException($"Unknown clock '{clock}'.", nameof(clock)),
    };

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
