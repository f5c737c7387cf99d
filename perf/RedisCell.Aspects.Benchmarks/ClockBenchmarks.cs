using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace RedisCell.Aspects.Benchmarks;

/// <summary>
/// What reading a clock costs on this machine: the floor under any limiter that reads the time on
/// every call, as GCRA must.
/// </summary>
[MemoryDiagnoser]
public class ClockBenchmarks
{
    [Benchmark(Baseline = true, Description = "DateTime.UtcNow")]
    public DateTime UtcNow() => DateTime.UtcNow;

    [Benchmark(Description = "Stopwatch.GetTimestamp")]
    public long Timestamp() => Stopwatch.GetTimestamp();

    [Benchmark(Description = "TimeProvider.System.GetUtcNow")]
    public DateTimeOffset SystemProvider() => TimeProvider.System.GetUtcNow();

    [Benchmark(Description = "Environment.TickCount64")]
    public long TickCount() => Environment.TickCount64;
}
