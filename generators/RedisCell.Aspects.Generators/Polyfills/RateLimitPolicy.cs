using System.ComponentModel;

namespace RedisCell.Aspects;

/// <summary>
/// The base of the runtime's policies, reduced to what they need: the generator compiles the
/// runtime's GcraPolicy.cs and FixedWindowPolicy.cs so that <see cref="Gcra.GcraPolicy.Check"/> and
/// <see cref="FixedWindow.FixedWindowPolicy.Check"/> validate attribute numbers at compile time with exactly
/// the rules the constructors apply at run time.
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
