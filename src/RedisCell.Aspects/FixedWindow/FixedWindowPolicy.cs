using System;

namespace RedisCell.Aspects.FixedWindow;

/// <summary>
/// At most <see cref="RateLimitPolicy.Limit"/> units per window, the window starting at the first
/// request for a key (the blog's <c>INCR</c> + <c>EXPIRE</c> decorator, made atomic).
/// <c>[RatePerSecond(n)]</c> is <see cref="PerSecond"/>; the LLM token budget is
/// <see cref="TokensPerMinute"/>.
/// </summary>
/// <remarks>
/// The window is measured by the store's clock: on Redis it is the key's own millisecond TTL, so
/// every client shares the server's notion of time and every counter expires.
/// </remarks>
public sealed class FixedWindowPolicy : RateLimitPolicy
{
    /// <summary>The longest window accepted: one year.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>
    /// The largest limit accepted, 999,999,999,999,999 (15 digits): <c>fixed_window.lua</c> counts in
    /// Lua numbers, which are doubles on Redis, and refuses larger limits, so a larger one could
    /// not be enforced on Redis the way the in-process twin enforces it.
    /// </summary>
    public const long MaxLimit = 999_999_999_999_999;

    /// <summary>Creates a policy allowing <paramref name="limit"/> units per <paramref name="window"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="limit"/> is not from 1 to <see cref="MaxLimit"/>, or <paramref name="window"/>
    /// is not a whole number of milliseconds from 1 ms to <see cref="MaxWindow"/>.
    /// </exception>
    public FixedWindowPolicy(long limit, TimeSpan window)
        : base(Check(limit) is { } problem ? throw new ArgumentOutOfRangeException(nameof(limit), limit, problem) : limit)
    {
        if (window < TimeSpan.FromMilliseconds(1) || window > MaxWindow || window.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, $"The window must be a whole number of milliseconds from 1 ms to {MaxWindow.TotalDays} days.");
        }

        Window = window;
        WindowMilliseconds = (long)window.TotalMilliseconds;
    }

    /// <summary>The window length.</summary>
    public TimeSpan Window { get; }

    /// <summary>The window length in milliseconds.</summary>
    public long WindowMilliseconds { get; }

    /// <summary><paramref name="limit"/> calls per one-second window: <c>[RatePerSecond(limit)]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not from 1 to <see cref="MaxLimit"/>.</exception>
    public static FixedWindowPolicy PerSecond(long limit) => new(limit, TimeSpan.FromSeconds(1));

    /// <summary><paramref name="tokens"/> per one-minute window: the LLM gateway's token budget.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokens"/> is not from 1 to <see cref="MaxLimit"/>.</exception>
    public static FixedWindowPolicy TokensPerMinute(long tokens) => new(tokens, TimeSpan.FromMinutes(1));

    /// <summary>Checks a window's limit as this library accepts it, without creating a policy.</summary>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? Check(long limit) =>
        limit is >= 1 and <= MaxLimit ? null : $"the limit must be from 1 to {MaxLimit}, but was {limit}.";

    /// <inheritdoc />
    public override string ToString() => $"fixed_window(limit={Limit}, window={WindowMilliseconds}ms)";
}
