using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Keys;

namespace RedisCell.Aspects.TokenBudget;

/// <summary>
/// A per-user token budget for an LLM gateway: each user may spend
/// <see cref="TokensPerMinute"/> tokens per one-minute window, charged as requests arrive.
/// </summary>
/// <remarks>
/// <para>
/// Check-and-consume is one atomic script: a refused request consumes nothing, and two requests
/// racing for the last tokens cannot both pass. A user's budget is one key,
/// <c>{prefix}{escaped user id}</c>, that expires with its window, so <see cref="ResetAsync(string, CancellationToken)"/>
/// deletes exactly that key whatever characters (<c>* ? [ ] :</c>) the id holds, and every
/// operation works on Redis Cluster.
/// </para>
/// <para>The same budget is what <c>[TokenBudget("user:{userId}", 5000, Cost = nameof(tokens))]</c> enforces.</para>
/// </remarks>
public sealed class TokenBudgetLimiter
{
    /// <summary>The default key prefix of user budgets.</summary>
    public const string DefaultKeyPrefix = "token-budget:";

    private readonly CellLimiter? _limiter;
    private readonly string _keyPrefix;

    /// <summary>Creates a budget of <paramref name="tokensPerMinute"/> per user.</summary>
    /// <param name="tokensPerMinute">Tokens each user may spend per minute, from 1 to <see cref="FixedWindowPolicy.MaxLimit"/>.</param>
    /// <param name="limiter">Where the budgets are kept; <see langword="null"/> for <see cref="SharedLimiter.Current"/>, read at each call.</param>
    /// <param name="keyPrefix">Prepended (as written) to each escaped user id.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokensPerMinute"/> is not from 1 to <see cref="FixedWindowPolicy.MaxLimit"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keyPrefix"/> is <see langword="null"/>.</exception>
    public TokenBudgetLimiter(long tokensPerMinute, CellLimiter? limiter = null, string keyPrefix = DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        Policy = FixedWindowPolicy.TokensPerMinute(tokensPerMinute);
        _limiter = limiter;
        _keyPrefix = keyPrefix;
    }

    /// <summary>The budget every user gets per minute.</summary>
    public long TokensPerMinute => Policy.Limit;

    /// <summary>The policy applied to every user.</summary>
    public FixedWindowPolicy Policy { get; }

    /// <summary>
    /// Charges <paramref name="tokens"/> to <paramref name="userId"/> when the budget allows it.
    /// The result says whether it was allowed, what remains and when the budget refills
    /// (<see cref="RateLimitResult.ResetAfter"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokens"/> is negative.</exception>
    public ValueTask<RateLimitResult> CheckAndConsumeAsync(string userId, long tokens = 1, CancellationToken cancellationToken = default) =>
        Limiter.CheckAsync(new RateLimitRule(Policy, KeyFor(userId), tokens), cancellationToken);

    /// <summary>How many tokens <paramref name="userId"/> can still spend this minute; the full budget for an unseen user.</summary>
    public async ValueTask<long> GetRemainingAsync(string userId, CancellationToken cancellationToken = default)
    {
        RateLimitResult peek = await Limiter.CheckAsync(new RateLimitRule(Policy, KeyFor(userId), 0), cancellationToken).ConfigureAwait(false);
        return peek.Remaining;
    }

    /// <summary>Gives <paramref name="userId"/> a full budget again, touching no other user's key.</summary>
    /// <remarks>
    /// This is the budget this limiter charges. When code checks this budget's rule
    /// (<see cref="Policy"/> on <see cref="KeyFor"/>) together with other rules in one
    /// <see cref="CellLimiter.CheckAsync(ReadOnlyMemory{RateLimitRule}, CancellationToken)"/> on a Redis
    /// Cluster, that check may keep it under another key: reset it with
    /// <see cref="ResetAsync(string, ReadOnlyMemory{RateLimitRule}, CancellationToken)"/>. A method with
    /// <c>[TokenBudget]</c> and another attribute keeps its budget under its own key template, not
    /// under <see cref="KeyFor"/>: reset that with <see cref="CellLimiter.Reset(string, ReadOnlySpan{RateLimitRule})"/>
    /// on the shared limiter, with the method's rules.
    /// </remarks>
    public ValueTask ResetAsync(string userId, CancellationToken cancellationToken = default) =>
        Limiter.ResetAsync(KeyFor(userId), cancellationToken);

    /// <summary>
    /// Gives <paramref name="userId"/> a full budget again in checks of <paramref name="checkedWith"/>:
    /// the rules a multi-rule check passes, one of them this budget's rule for the user
    /// (<see cref="Policy"/> and <see cref="KeyFor"/>). The other rules' state is kept. See
    /// <see cref="CellLimiter.Reset(string, ReadOnlySpan{RateLimitRule})"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No rule of <paramref name="checkedWith"/> has the user's key.</exception>
    public ValueTask ResetAsync(string userId, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken = default) =>
        Limiter.ResetAsync(KeyFor(userId), checkedWith, cancellationToken);

    /// <summary>The key a user's budget is kept under (before the limiter's own prefix).</summary>
    public string KeyFor(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var key = new RateLimitKeyBuilder(_keyPrefix.Length, 1, stackalloc char[128]);
        key.AppendLiteral(_keyPrefix);
        key.AppendFormatted(userId);
        return key.ToStringAndClear();
    }

    private CellLimiter Limiter => _limiter ?? SharedLimiter.Current;
}
