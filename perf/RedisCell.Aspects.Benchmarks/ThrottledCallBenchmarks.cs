using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Keys;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// A throttled call on the in-process limiter, allowed and limited, with a constant key and with a
/// key built from an argument, on the precise system clock and on <see cref="CoarseTimeProvider"/>.
/// <see cref="BclRateLimiterBenchmarks"/> has System.Threading.RateLimiting doing the same work.
/// </summary>
/// <remarks>
/// <para>
/// The throttled methods are <see cref="Throttled"/>'s, so each call runs the interceptor the
/// source generator writes for this project: build the key, ask <see cref="SharedLimiter.Current"/>,
/// throw when limited, call the method. The methods are empty and never inlined, so every case
/// pays one real call for the body, as the baseline does.
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
    private CellLimiter _limiter = null!;
    private int _userId;

    /// <summary>Which clock the in-process limiter reads.</summary>
    [Params("precise", "coarse")]
    public string Clock { get; set; } = "precise";

    [GlobalSetup]
    public void Setup()
    {
        _userId = 4242;
        _limiter = new InProcessCellLimiter(ClockFor(Clock));
        SharedLimiter.Configure(_limiter);
        Throttled.Closed();
        Throttled.ClosedFor(_userId);
        _limiter.Check(new RateLimitRule(Throttled.ClosedPolicy, "bench:closed"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _limiter.Dispose();
    }

    [Benchmark(Baseline = true, Description = "empty method, not throttled")]
    public void EmptyMethod() => Throttled.NotThrottled();

    [Benchmark(Description = "throttled, constant key, allowed")]
    public void ThrottledConstantKey() => Throttled.Open();

    [Benchmark(Description = "throttled, templated key, allowed")]
    public void ThrottledTemplatedKey() => Throttled.OpenFor(_userId);

    [Benchmark(Description = "Check, constant key, limited")]
    public bool CheckConstantKeyLimited() => SharedLimiter.Current.Check(new RateLimitRule(Throttled.ClosedPolicy, "bench:closed")).Limited;

    [Benchmark(Description = "Check, templated key, limited")]
    public bool CheckTemplatedKeyLimited() =>
        SharedLimiter.Current.Check(new RateLimitRule(Throttled.ClosedPolicy, RateLimitKey.Create($"closed:{_userId}"))).Limited;

    [Benchmark(Description = "throttled, constant key, limited (throws)")]
    public bool ThrottledConstantKeyLimited()
    {
        try
        {
            Throttled.Closed();
            return false;
        }
        catch (RateLimitExceededException)
        {
            return true;
        }
    }

    [Benchmark(Description = "throttled, templated key, limited (throws)")]
    public bool ThrottledTemplatedKeyLimited()
    {
        try
        {
            Throttled.ClosedFor(_userId);
            return false;
        }
        catch (RateLimitExceededException)
        {
            return true;
        }
    }

    private static TimeProvider ClockFor(string clock) => clock switch
    {
        "precise" => TimeProvider.System,
        "coarse" => new CoarseTimeProvider(),
        _ => throw new ArgumentException($"Unknown clock '{clock}'.", nameof(clock)),
    };
}

/// <summary>Empty methods with the attributes; calls to them are intercepted by generated code.</summary>
internal static class Throttled
{
    /// <summary>The policy of <see cref="Closed"/>: one call per hour.</summary>
    public static readonly GcraPolicy ClosedPolicy = new(0, 1, 3600);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void NotThrottled()
    {
    }

    // A burst no run can spend (10^15) at a million per second.
    [Gcra(1_000_000_000_000_000L, 1_000_000, 1)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Open()
    {
    }

    [Throttle("user:{userId}", 1_000_000_000_000_000L, 1_000_000, 1)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void OpenFor(int userId)
    {
    }

    [Gcra(0, 1, 3600)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Closed()
    {
    }

    [Throttle("closed:{userId}", 0, 1, 3600)]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ClosedFor(int userId)
    {
    }
}
