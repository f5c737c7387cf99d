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

    /// <summary>
    /// How many keys refusals are remembered for (default 4096, up to 1,048,576; 0 turns the cache
    /// off). A reset through the same limiter forgets the key at once; a reset anywhere else (another
    /// process, a plain <c>DEL</c>) is seen only after the remembered refusal's retry-after.
    /// </summary>
    public int Capacity { get; set; } = DefaultCapacity;

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with what is wrong.</summary>
    public void Validate()
    {
        if (Capacity < 0 || Capacity > 1 << 20)
        {
            throw new ArgumentException($"Capacity {Capacity} must be from 0 (off) to 1048576 keys.", nameof(Capacity));
        }
    }

    internal DenyCacheOptions Clone() => (DenyCacheOptions)MemberwiseClone();
}
