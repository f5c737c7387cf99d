using System;

namespace RedisCell.Aspects.InProcess;

/// <summary>
/// A <see cref="TimeProvider"/> that trades resolution for speed: it advances with the operating
/// system's tick count from the precise time it was created at, so reading it costs a few
/// nanoseconds instead of 20–30, at a resolution of the kernel's tick (1–16 ms).
/// </summary>
/// <remarks>
/// For an <see cref="InProcessCellLimiter"/> whose calls are so cheap that reading the clock is most
/// of their cost: <c>new InProcessCellLimiter(new CoarseTimeProvider())</c>. Calls within one tick
/// see one instant, so use it for policies whose tolerance (<c>period / count * (max_burst + 1)</c>)
/// is well above the tick, say 50 ms. Monotonic: it never jumps when the wall clock is adjusted.
/// Timers and <see cref="TimeProvider.GetTimestamp"/> are the system's.
/// </remarks>
public sealed class CoarseTimeProvider : TimeProvider
{
    private readonly long _originUtcTicks;
    private readonly long _originTickCount;

    /// <summary>Creates a clock that reads the precise time once, now, and then counts ticks.</summary>
    public CoarseTimeProvider()
    {
        _originTickCount = Environment.TickCount64;
        _originUtcTicks = System.GetUtcNow().UtcTicks;
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => new(NowUtcTicks(), TimeSpan.Zero);

    /// <summary>Nanoseconds since the Unix epoch, at the tick's resolution.</summary>
    internal long UnixNanoseconds() => (NowUtcTicks() - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private long NowUtcTicks() => _originUtcTicks + ((Environment.TickCount64 - _originTickCount) * TimeSpan.TicksPerMillisecond);
}
