using System;

namespace RedisCell.Aspects;

/// <summary>
/// A per-minute token budget (<see cref="FixedWindow.FixedWindowPolicy.TokensPerMinute"/>): each call consumes
/// <see cref="Cost"/> tokens from the key's budget of <see cref="TokensPerMinute"/>, as an LLM
/// gateway does: <c>[TokenBudget("user:{userId}", 5000, Cost = nameof(tokens))]</c>.
/// </summary>
/// <remarks>
/// A call whose cost does not fit in what is left of the minute is refused and consumes nothing.
/// See <see cref="ThrottleAttribute"/> for key templates and how calls are rewritten.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class TokenBudgetAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="key">The key template, such as <c>"user:{userId}"</c>.</param>
    /// <param name="tokensPerMinute">Tokens per one-minute window, from 1 to <see cref="FixedWindow.FixedWindowPolicy.MaxLimit"/> (999,999,999,999,999; else diagnostic RCA001).</param>
    public TokenBudgetAttribute(string key, long tokensPerMinute)
    {
        Key = key;
        TokensPerMinute = tokensPerMinute;
    }

    /// <summary>The key template.</summary>
    public string Key { get; }

    /// <summary>Tokens per one-minute window.</summary>
    public long TokensPerMinute { get; }

    /// <summary>
    /// The name of the integer parameter holding how many tokens the call costs
    /// (<c>Cost = nameof(tokens)</c>); each call costs 1 token when not set.
    /// </summary>
    public string? Cost { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.FailureMode"/>
    public FailureMode FailureMode { get; set; }

    /// <inheritdoc cref="ThrottleAttribute.Limiter"/>
    public string? Limiter { get; set; }
}
