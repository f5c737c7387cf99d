using System;
using System.Diagnostics;

namespace RedisCell.Aspects.Redis;

/// <summary>Instants on the monotonic <see cref="Stopwatch"/> clock by which a decision must be answered.</summary>
internal static class Deadline
{
    /// <summary>The instant <paramref name="budget"/> from now.</summary>
    public static long After(TimeSpan budget) => Stopwatch.GetTimestamp() + Ticks(budget);

    /// <summary><paramref name="budget"/> in <see cref="Stopwatch"/> ticks.</summary>
    public static long Ticks(TimeSpan budget) => (long)(budget.TotalSeconds * Stopwatch.Frequency);

    /// <summary>What is left until <paramref name="deadline"/>; at least a tick, so a late wait times out at once.</summary>
    public static TimeSpan Remaining(long deadline)
    {
        TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    /// <summary>Whether <paramref name="deadline"/> has passed.</summary>
    public static bool HasPassed(long deadline) => Stopwatch.GetTimestamp() >= deadline;
}
