using System;

namespace RedisCell.Aspects.InProcess;

/// <summary>
/// A <see cref="TimeProvider"/> that trades resolution for speed: it advances with the operating
/// system's tick count (<see cref="Environment.TickCount64"/>) from the precise time it was created
/// at. Reading it costs a few nanoseconds, where the precise clock (<see cref="TimeProvider.System"/>)
/// costs 20–30 on common virtual machines; its resolution is the kernel's tick, 1–16 ms.
/// </summary>
/// <remarks>
/// <para>
/// For an <see cref="InProcessCellLimiter"/> whose calls are so cheap that reading the precise clock
/// is most of their cost: <c>new InProcessCellLimiter(new CoarseTimeProvider())</c>.
/// The limiter stays exact GCRA for the time it reads, but that time moves in steps: calls within
/// one tick all see the same instant. Use it for policies whose delay variation tolerance
/// (<c>period / count * (max_burst + 1)</c>) is well above the tick, say 50 ms or more: a policy of
/// 1,000 calls per second with no burst would otherwise allow about one call per tick.
/// </para>
/// <para>
/// The tick count is monotonic, so this clock never jumps when the wall clock is adjusted; it may
/// drift from the wall clock by the rate difference of the two (parts per million). Timers and
/// <see cref="TimeProvider.GetTimestamp"/> are those of <see cref="TimeProvider.System"/>.
/// </para>
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
