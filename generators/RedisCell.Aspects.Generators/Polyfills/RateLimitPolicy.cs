using System.ComponentModel;

namespace RedisCell.Aspects;

/// <summary>
/// The base of the runtime's <see cref="GcraPolicy"/>, reduced to what it needs: the generator
/// compiles the runtime's GcraPolicy.cs so that <see cref="GcraPolicy.Check"/> validates attribute
/// numbers at compile time with exactly the rules the constructor applies at run time.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class RateLimitPolicy
{
    private protected RateLimitPolicy(long limit) => Limit = limit;

    /// <summary>The most units a key can be granted at once.</summary>
    public long Limit { get; }

    /// <inheritdoc />
    public abstract override string ToString();
}
