using System;

namespace RedisCell.Aspects.DenyCache;

/// <summary>
/// The local deny cache: once Redis has said a key is limited until an instant, later calls for
/// that key with the same policy are refused in this process, without a round trip, and exactly as
/// Redis would refuse them (<c>docs/design/deny-cache.md</c>).
/// </summary>
public sealed class DenyCacheOptions
{
    /// <summary>The default <see cref="Capacity"/>: 4096 keys.</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>The default <see cref="MaxAge"/>: 1 s.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(1);

    /// <summary>How many keys refusals are remembered for (default 4096, up to 1,048,576; 0 turns the cache off).</summary>
    public int Capacity { get; set; } = DefaultCapacity;

    /// <summary>
    /// How long a refusal is repeated in process before Redis is asked again, from 1 ms to 1 day
    /// (default 1 s): a reset made elsewhere (another process, a plain <c>DEL</c>) is seen within it
    /// and one round trip. A reset through the same limiter is seen at once.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = DefaultMaxAge;

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with what is wrong.</summary>
    public void Validate()
    {
        if (Capacity < 0 || Capacity > 1 << 20)
        {
            throw new ArgumentException($"Capacity {Capacity} must be from 0 (off) to 1048576 keys.", nameof(Capacity));
        }

        if (MaxAge < TimeSpan.FromMilliseconds(1) || MaxAge > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"MaxAge {MaxAge} must be from 1 ms to 1 day.", nameof(MaxAge));
        }
    }

    internal DenyCacheOptions Clone() => (DenyCacheOptions)MemberwiseClone();
}
