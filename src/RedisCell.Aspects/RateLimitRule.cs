using System;

namespace RedisCell.Aspects;

/// <summary>One check to make: a <see cref="RateLimitPolicy"/> applied to a key for a quantity.</summary>
/// <remarks>
/// A rule is a small struct so that building one per call allocates nothing beyond its key.
/// The key is the logical key; the limiter adds its <see cref="Redis.RedisCellOptions.KeyPrefix"/>.
/// </remarks>
public readonly struct RateLimitRule
{
    /// <summary>Creates a rule.</summary>
    /// <param name="policy">The limit to apply.</param>
    /// <param name="key">The key the limit is counted under; not empty.</param>
    /// <param name="quantity">How much this call consumes (requests or tokens), at least 0; 0 only reads.</param>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> or <paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quantity"/> is negative.</exception>
    public RateLimitRule(RateLimitPolicy policy, string key, long quantity = 1)
    {
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        if (key is null) throw new ArgumentNullException(nameof(key));
        if (key.Length == 0) throw new ArgumentException("A rate-limit key cannot be empty.", nameof(key));
        if (quantity < 0) throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "The quantity cannot be negative.");
        Key = key;
        Quantity = quantity;
    }

    /// <summary>The limit to apply.</summary>
    public RateLimitPolicy Policy { get; }

    /// <summary>The logical key, before the limiter's prefix.</summary>
    public string Key { get; }

    /// <summary>How much the call consumes; 0 reads the state without consuming.</summary>
    public long Quantity { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} {Policy} x{Quantity}";
}
