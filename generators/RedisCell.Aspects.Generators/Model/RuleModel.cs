namespace RedisCell.Aspects.Generators.Model;

/// <summary>The algorithm a rate-limit attribute asks for.</summary>
internal enum RuleKind
{
    /// <summary><c>[Throttle]</c> and <c>[Gcra]</c>: <c>new GcraPolicy(maxBurst, count, period)</c>.</summary>
    Gcra,

    /// <summary><c>[RatePerSecond]</c>: <c>FixedWindowPolicy.PerSecond(limit)</c>.</summary>
    PerSecond,

    /// <summary><c>[TokenBudget]</c>: <c>FixedWindowPolicy.TokensPerMinute(limit)</c>.</summary>
    TokensPerMinute,
}

/// <summary>
/// One rate-limit attribute, checked and ready to emit: the policy's numbers, how its key is built
/// and how much a call consumes.
/// </summary>
/// <param name="Attribute">The attribute as written, for the generated comment.</param>
/// <param name="Kind">The algorithm.</param>
/// <param name="MaxBurst">GCRA <c>max_burst</c>.</param>
/// <param name="Count">GCRA <c>count</c>.</param>
/// <param name="PeriodSeconds">GCRA <c>period</c>.</param>
/// <param name="Limit">The fixed window's limit.</param>
/// <param name="Key">How the key is built.</param>
/// <param name="Quantity">A C# expression for the quantity, or null for 1.</param>
/// <param name="FailureMode">The <c>FailureMode</c> member written on the attribute, or null.</param>
/// <param name="Limiter">The named shared limiter to ask, or null for the default one.</param>
internal sealed record RuleModel(
    string Attribute,
    RuleKind Kind,
    long MaxBurst,
    long Count,
    long PeriodSeconds,
    long Limit,
    KeyModel Key,
    string? Quantity,
    string? FailureMode,
    string? Limiter);

/// <summary>
/// How a rule's key is built: a constant (the method's full name, for attributes without a key),
/// or literal text and values appended to a <c>RateLimitKeyBuilder</c>.
/// </summary>
internal sealed record KeyModel(string? Constant, EquatableArray<KeyPart> Parts)
{
    public int LiteralLength
    {
        get
        {
            int length = 0;
            foreach (KeyPart part in Parts) length += part.Literal?.Length ?? 0;
            return length;
        }
    }

    public int ValueCount
    {
        get
        {
            int count = 0;
            foreach (KeyPart part in Parts) count += part.Literal is null ? 1 : 0;
            return count;
        }
    }
}

/// <summary>Literal key text, or a value read from a parameter through a member chain.</summary>
internal sealed record KeyPart(string? Literal, EquatableArray<ValueLink> Path);

/// <summary>One link of a value path: the parameter, then each member, with whether it can be null.</summary>
/// <param name="Name">The identifier as it must be written in C# (escaped with @ when a keyword).</param>
/// <param name="Null">Whether and how the link's value can be null.</param>
/// <param name="IsDynamic">
/// The value is <c>dynamic</c>: it is appended as <c>object</c>, since a dynamic call cannot
/// take the key builder, a ref struct (CS9230).
/// </param>
/// <param name="IsEnum">
/// The value is an enum (or a nullable one): it is appended with <c>AppendEnum</c>, since
/// <c>AppendFormatted</c> would box it to reach <c>System.Enum</c>'s formatting.
/// </param>
internal sealed record ValueLink(string Name, NullKind Null, bool IsDynamic = false, bool IsEnum = false);

/// <summary>Whether a value in a key path can be null.</summary>
internal enum NullKind
{
    /// <summary>A non-nullable value type: never null.</summary>
    None,

    /// <summary>A reference type or unconstrained type parameter.</summary>
    Reference,

    /// <summary><c>Nullable&lt;T&gt;</c>.</summary>
    NullableValue,
}
