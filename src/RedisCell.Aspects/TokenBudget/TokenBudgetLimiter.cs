using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects;

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
public sealed class TokenBudgetLimiter : IDisposable, IAsyncDisposable
{
    /// <summary>The default key prefix of user budgets.</summary>
    public const string DefaultKeyPrefix = "token-budget:";

    private readonly CellLimiter _limiter;
    private readonly bool _ownsLimiter;
    private readonly string _keyPrefix;

    /// <summary>Creates a budget on an existing limiter, which the caller keeps owning.</summary>
    /// <param name="limiter">Where the budgets are kept.</param>
    /// <param name="tokensPerMinute">Tokens each user may spend per minute, from 1 to <see cref="FixedWindowPolicy.MaxLimit"/>.</param>
    /// <param name="keyPrefix">Prepended (as written) to each escaped user id.</param>
    public TokenBudgetLimiter(CellLimiter limiter, long tokensPerMinute, string keyPrefix = DefaultKeyPrefix)
        : this(Checked(tokensPerMinute, keyPrefix), limiter, keyPrefix, ownsLimiter: false)
    {
    }

    /// <summary>Creates a budget kept in Redis on an existing connection.</summary>
    public TokenBudgetLimiter(IConnectionMultiplexer redis, long tokensPerMinute, string keyPrefix = DefaultKeyPrefix, RedisCellOptions? options = null)
        : this(Checked(tokensPerMinute, keyPrefix), new RedisCellLimiter(redis, options), keyPrefix, ownsLimiter: true)
    {
    }

    // The policy comes first so that the arguments are checked before a limiter (and for Connect,
    // a connection) exists that a failed check would leave behind.
    private TokenBudgetLimiter(FixedWindowPolicy policy, CellLimiter limiter, string keyPrefix, bool ownsLimiter)
    {
        _limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        Policy = policy;
        _keyPrefix = keyPrefix;
        _ownsLimiter = ownsLimiter;
    }

    /// <summary>
    /// Connects to Redis (a StackExchange.Redis configuration string or a <c>redis://</c> URL) and
    /// creates a budget that owns the connection.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokensPerMinute"/> is not from 1 to <see cref="FixedWindowPolicy.MaxLimit"/> (checked before connecting).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="keyPrefix"/> is <see langword="null"/> (checked before connecting).</exception>
    public static TokenBudgetLimiter Connect(string configuration, long tokensPerMinute, string keyPrefix = DefaultKeyPrefix, RedisCellOptions? options = null)
    {
        FixedWindowPolicy policy = Checked(tokensPerMinute, keyPrefix);
        return new(policy, RedisCellLimiter.Connect(configuration, options), keyPrefix, ownsLimiter: true);
    }

    /// <inheritdoc cref="Connect(string, long, string, RedisCellOptions?)"/>
    public static async Task<TokenBudgetLimiter> ConnectAsync(string configuration, long tokensPerMinute, string keyPrefix = DefaultKeyPrefix, RedisCellOptions? options = null)
    {
        FixedWindowPolicy policy = Checked(tokensPerMinute, keyPrefix);
        return new(policy, await RedisCellLimiter.ConnectAsync(configuration, options).ConfigureAwait(false), keyPrefix, ownsLimiter: true);
    }

    private static FixedWindowPolicy Checked(long tokensPerMinute, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        return FixedWindowPolicy.TokensPerMinute(tokensPerMinute);
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
        _limiter.CheckAsync(new RateLimitRule(Policy, KeyFor(userId), tokens), cancellationToken);

    /// <summary>How many tokens <paramref name="userId"/> can still spend this minute; the full budget for an unseen user.</summary>
    public async ValueTask<long> GetRemainingAsync(string userId, CancellationToken cancellationToken = default)
    {
        RateLimitResult peek = await _limiter.CheckAsync(new RateLimitRule(Policy, KeyFor(userId), 0), cancellationToken).ConfigureAwait(false);
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
        _limiter.ResetAsync(KeyFor(userId), cancellationToken);

    /// <summary>
    /// Gives <paramref name="userId"/> a full budget again in checks of <paramref name="checkedWith"/>:
    /// the rules a multi-rule check passes, one of them this budget's rule for the user
    /// (<see cref="Policy"/> and <see cref="KeyFor"/>). The other rules' state is kept. See
    /// <see cref="CellLimiter.Reset(string, ReadOnlySpan{RateLimitRule})"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No rule of <paramref name="checkedWith"/> has the user's key.</exception>
    public ValueTask ResetAsync(string userId, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken = default) =>
        _limiter.ResetAsync(KeyFor(userId), checkedWith, cancellationToken);

    /// <summary>The key a user's budget is kept under (before the limiter's own prefix).</summary>
    public string KeyFor(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var key = new RateLimitKeyBuilder(_keyPrefix.Length, 1, stackalloc char[128]);
        key.AppendLiteral(_keyPrefix);
        key.AppendFormatted(userId);
        return key.ToStringAndClear();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsLimiter) _limiter.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ownsLimiter ? _limiter.DisposeAsync() : default;
}
