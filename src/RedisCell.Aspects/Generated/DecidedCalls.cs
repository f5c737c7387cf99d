using System;
using System.ComponentModel;

namespace RedisCell.Aspects.Generated;

/// <summary>
/// For code the RedisCell.Aspects generator writes only: the rules an interceptor has just decided
/// for a call to an interface, abstract, virtual or override member, so that a partial-mode method
/// the call dispatches to does not count the call again. Not a supported API for hand-written code.
/// </summary>
/// <remarks>
/// The interceptor marks immediately before it invokes the member and unmarks once the invocation
/// returns (for an awaitable, once it has its task). The partial-mode method reads the mark first,
/// and the read takes it: a limited call the implementation makes is never mistaken for the one
/// already decided.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DecidedCalls
{
    // Thread-static rather than AsyncLocal: the generated body reads the mark synchronously at its
    // entry, on the thread that invoked it, before anything in it can await; an awaitable's body
    // returns its task to the interceptor, which unmarks on that same thread. So a mark never
    // outlives the invocation nor reaches work that continues elsewhere, where AsyncLocal would flow
    // it into everything the implementation starts. Plain fields, so marking allocates nothing.
    [ThreadStatic]
    private static string? t_memberId;

    [ThreadStatic]
    private static string? t_limiterName;

    [ThreadStatic]
    private static RateLimitRule t_rule;

    [ThreadStatic]
    private static RateLimitRule[]? t_rules;

    /// <summary>Marks <paramref name="rule"/> as decided, by the limiter named <paramref name="limiterName"/>, for the call to <paramref name="memberId"/> about to be made.</summary>
    /// <param name="rule">The rule the interceptor acquired.</param>
    /// <param name="memberId">The member the call binds to, as the generator names it (<c>Namespace.Type.Method(int, string)</c>).</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    public static void Mark(in RateLimitRule rule, string memberId, string? limiterName)
    {
        t_rule = rule;
        t_rules = null;
        t_limiterName = limiterName;
        t_memberId = memberId;
    }

    /// <summary>Marks <paramref name="rules"/>, acquired together, as decided for the call to <paramref name="memberId"/> about to be made.</summary>
    /// <param name="rules">The rules the interceptor acquired; held, not copied, until <see cref="Unmark"/>.</param>
    /// <param name="memberId">The member the call binds to.</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    public static void Mark(RateLimitRule[] rules, string memberId, string? limiterName)
    {
        t_rule = default;
        t_rules = rules;
        t_limiterName = limiterName;
        t_memberId = memberId;
    }

    /// <summary>Clears the mark, once the marked call has returned.</summary>
    public static void Unmark()
    {
        t_memberId = null;
        t_limiterName = null;
        t_rule = default;
        t_rules = null;
    }

    /// <summary>
    /// Takes the mark, and says whether it decided <paramref name="rule"/> already: it was made for
    /// one of <paramref name="memberIds"/>, by the same limiter, with a rule of the same key, quantity,
    /// limit and failure mode.
    /// </summary>
    /// <param name="rule">The partial-mode method's rule.</param>
    /// <param name="memberIds">The members a call can bind to and reach the method: those it implements or overrides.</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    public static bool TakeIfDecided(in RateLimitRule rule, ReadOnlySpan<string> memberIds, string? limiterName) =>
        TakeIfDecided(new ReadOnlySpan<RateLimitRule>(in rule), memberIds, limiterName);

    /// <summary>As for one rule: true only when every one of <paramref name="rules"/> was decided.</summary>
    /// <param name="rules">The partial-mode method's rules.</param>
    /// <param name="memberIds">The members a call can bind to and reach the method.</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    public static bool TakeIfDecided(ReadOnlySpan<RateLimitRule> rules, ReadOnlySpan<string> memberIds, string? limiterName)
    {
        string? marked = t_memberId;
        if (marked is null) return false;
        bool decided = memberIds.Contains(marked)
            && string.Equals(NameOf(t_limiterName), NameOf(limiterName), StringComparison.Ordinal)
            && AllMarked(rules, t_rules ?? new ReadOnlySpan<RateLimitRule>(in t_rule));
        Unmark();
        return decided;
    }

    // SharedLimiter.Get reads null and empty alike as the default limiter.
    private static string? NameOf(string? limiterName) => string.IsNullOrEmpty(limiterName) ? null : limiterName;

    // Each rule is matched to a marked rule of its own: a rule written twice is counted twice
    // (RCA021), so a single marked one decided only one of them.
    private static bool AllMarked(ReadOnlySpan<RateLimitRule> rules, ReadOnlySpan<RateLimitRule> marked)
    {
        if (marked.Length > 64) return false;
        ulong used = 0;
        foreach (ref readonly RateLimitRule rule in rules)
        {
            int match = -1;
            for (int i = 0; i < marked.Length && match < 0; i++)
            {
                if ((used & (1UL << i)) == 0 && Same(marked[i], rule)) match = i;
            }

            if (match < 0) return false;
            used |= 1UL << match;
        }

        return true;
    }

    // The failure mode too: a call another mode let through while the store was down is not one
    // this rule decided.
    private static bool Same(in RateLimitRule a, in RateLimitRule b) =>
        a.Quantity == b.Quantity
        && string.Equals(a.Key, b.Key, StringComparison.Ordinal)
        && RateLimitPolicy.SameLimit(a.Policy, b.Policy)
        && a.Policy.FailureMode == b.Policy.FailureMode;
}
