using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// A throttled call on the in-process limiter, allowed and limited, with a constant key and with a
/// key built from an argument, on the precise system clock and on <see cref="CoarseTimeProvider"/>.
/// <see cref="BclRateLimiterBenchmarks"/> has System.Threading.RateLimiting doing the same work.
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

    private CellLimiter _limiter = null!;
    private int _userId;

    /// <summary>Which clock the in-process limiter reads.</summary>
    [Params("precise", "coarse")]
    public string Clock { get; set; } = "precise";

    [GlobalSetup]
    public void Setup()
    {
        _userId = 4242;
        _limiter = new InProcessCellLimiter(new RedisCellOptions { TimeProvider = ClockFor(Clock) });
        CellLimiter.ConfigureShared(_limiter);
        _limiter.Check(new RateLimitRule(s_closed, "bench:closed"));
        _limiter.Check(new RateLimitRule(s_closed, RateLimitKey.Create($"closed:{_userId}")));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _limiter.Dispose();
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Body()
    {
    }

    private static TimeProvider ClockFor(string clock) => clock switch
    {
        "precise" => TimeProvider.System,
        "coarse" => new CoarseTimeProvider(),
        _ => throw new ArgumentException($"Unknown clock '{clock}'.", nameof(clock)),
    };

}
