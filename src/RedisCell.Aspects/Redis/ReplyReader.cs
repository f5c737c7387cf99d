using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Reads the scripts' and the module's replies into results: a pure function of the reply and the
/// rule, tested without a server. Reply shapes are documented at the top of <c>batch.lua</c> and
/// <c>multi.lua</c>.
/// </summary>
internal static class ReplyReader
{
    // What batch.lua puts beside a GCRA decision it made itself because CL.THROTTLE is no longer a command.
    private const string ModuleGoneMarker = "s";

    /// <summary>How many values batch.lua answers per decision.</summary>
    public static int EntryLength(bool byModule) => byModule ? 5 : 3;

    /// <summary>
    /// The reply of a single-entry batch.lua, or of <c>CL.THROTTLE</c> itself; <paramref name="moduleGone"/>
    /// is set when the script found that the module is no longer loaded.
    /// </summary>
    public static RateLimitResult ReadSingle(in ScriptCall call, in RateLimitRule rule, RedisResult reply, out bool moduleGone)
    {
        moduleGone = false;
        if (call.IsModuleCommand) return ReadModuleCommand(rule, reply);
        var values = (RedisResult[])reply!;
        int stride = EntryLength(call.ByModule);
        if (values.Length != stride) throw new RedisCellException($"The rate-limit script answered {values.Length} values for one decision; it answers {stride}.", rule.Key);
        if (!TryReadEntry(values, 0, call.ByModule, rule, out long state, out long retryAfter, out long resetAfter, out moduleGone, out RedisCellException? error)) throw error;
        return ToResult(rule, state, retryAfter, resetAfter);
    }

    /// <summary>
    /// Entry <paramref name="index"/> of batch.lua's reply, or the decision's own error in place
    /// of its first value: three values, or five when the module was asked.
    /// </summary>
    public static bool TryReadEntry(RedisResult[] values, int index, bool byModule, in RateLimitRule rule, out long state, out long retryAfter, out long resetAfter, out bool moduleGone, [NotNullWhen(false)] out RedisCellException? error)
    {
        int at = EntryLength(byModule) * index;
        RedisResult first = values[at];
        moduleGone = false;
        if (first.Resp2Type != ResultType.Integer)
        {
            (state, retryAfter, resetAfter) = (0, 0, 0);
            error = StoreErrors.Translate(first.ToString()!, rule.Key, null);
            return false;
        }

        state = (long)first;
        if (byModule && values[at + 3].Resp2Type == ResultType.Integer) return TryReadModuleEntry(values, at, rule, state, out retryAfter, out resetAfter, out error);
        moduleGone = byModule && (string?)values[at + 3] == ModuleGoneMarker;
        RedisResult retry = values[at + 1], reset = values[at + 2];
        resetAfter = 0;
        error = !TryInt64(retry, out retryAfter) ? NotInt64(retry, rule.Key)
            : !TryInt64(reset, out resetAfter) ? NotInt64(reset, rule.Key)
            : null;
        return error is null;
    }

    /// <summary>
    /// A batch.lua entry as a result. State is the remaining count, or -(remaining + 1) when
    /// limited; durations are nanoseconds for GCRA and milliseconds for a fixed window.
    /// </summary>
    public static RateLimitResult ToResult(in RateLimitRule rule, long state, long retryAfter, long resetAfter)
    {
        bool limited = state < 0;
        long remaining = limited ? -(state + 1) : state;
        return rule.Policy is GcraPolicy
            ? new RateLimitResult(rule, limited, rule.Policy.Limit, remaining, retryAfter, resetAfter)
            : FixedWindowArithmetic.ToResult(rule, new FixedWindowArithmetic.Decision(limited, remaining, retryAfter, resetAfter));
    }

    /// <summary>multi.lua's reply: one array per rule, as the rule's own script replies (GCRA in precise form).</summary>
    public static RateLimitResult ReadMany(ReadOnlySpan<RateLimitRule> rules, RedisResult reply)
    {
        var replies = (RedisResult[])reply!;
        if (replies.Length != rules.Length) throw new RedisCellException($"The multi-rule script answered {replies.Length} results for {rules.Length} rules.");
        var results = new RateLimitResult[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            results[i] = rules[i].Policy is GcraPolicy ? ReadPreciseGcra(rules[i], replies[i]) : ReadWindow(rules[i], replies[i]);
        }

        return RateLimitResult.MostBinding(results);
    }

    /// <summary>
    /// <c>CL.THROTTLE</c>'s own reply: five integers, the durations in whole seconds, each taken as
    /// the last nanosecond of the second it reports (a caller who waits it out is never early).
    /// </summary>
    public static RateLimitResult ReadModuleCommand(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        if (values.Length != 5) throw new RedisCellException($"CL.THROTTLE answered {values.Length} values for '{rule.Key}'; it answers five.", rule.Key);
        long limited = (long)values[0], limit = (long)values[1], remaining = (long)values[2], retrySeconds = (long)values[3], resetSeconds = (long)values[4];
        long retry = limited == 1 && retrySeconds >= 0 ? GcraArithmetic.LastNanosecondOf(retrySeconds) : RateLimitResult.NeverNanoseconds;
        long reset = resetSeconds > 0 ? GcraArithmetic.LastNanosecondOf(resetSeconds) : 0;
        return new RateLimitResult(rule, limited == 1, limit, remaining, retry, reset);
    }

    // A decision the module made: {state, tat, now_us, retry_after_s, reset_after_s}. The module
    // read its own clock a few microseconds after now_us, so durations computed from now_us are
    // kept within the whole seconds it replied: RateLimitResult.ToCellReply then gives its five
    // numbers, and no duration says to retry early.
    private static bool TryReadModuleEntry(RedisResult[] values, int at, in RateLimitRule rule, long state, out long retryAfter, out long resetAfter, [NotNullWhen(false)] out RedisCellException? error)
    {
        (retryAfter, resetAfter) = (RateLimitResult.NeverNanoseconds, 0);
        string key = rule.Key;
        string tatText = (string?)values[at + 1] ?? string.Empty;
        if (!TryInt64(values[at + 2], out long nowUs) || !TryInt64(values[at + 3], out long retrySeconds) || !TryInt64(values[at + 4], out long resetSeconds))
        {
            error = new RedisCellException($"CL.THROTTLE's answer for '{key}' was not read back as integers.", key);
            return false;
        }

        Int128 now = (Int128)nowUs * 1000;
        Int128 tat = now;
        if (tatText.Length > 0)
        {
            if (!long.TryParse(tatText, NumberStyles.None, CultureInfo.InvariantCulture, out long stored))
            {
                error = new RedisCellException($"CL.THROTTLE left '{key}' holding \"{tatText}\", which is not a GCRA timestamp.", key);
                return false;
            }

            tat = stored;
        }

        resetAfter = GcraArithmetic.WithinReplySeconds(tat - now, resetSeconds);
        if (state < 0 && retrySeconds != -1)
        {
            retryAfter = GcraArithmetic.WithinReplySeconds(GcraArithmetic.RetryAfter((GcraPolicy)rule.Policy, tat, now, rule.Quantity), retrySeconds);
        }

        error = null;
        return true;
    }

    private static RateLimitResult ReadPreciseGcra(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        return new RateLimitResult(
            rule,
            (long)values[0] == 1,
            (long)values[1],
            (long)values[2],
            Nanoseconds(values[5], values[6], rule.Key),
            Nanoseconds(values[7], values[8], rule.Key));
    }

    // The precise reply carries each duration as {high, low} = high * 1e9 + low, exact beyond 2^53.
    private static long Nanoseconds(RedisResult high, RedisResult low, string key)
    {
        try
        {
            return checked((Int64(high, key) * 1_000_000_000L) + Int64(low, key));
        }
        catch (OverflowException ex)
        {
            throw new RedisCellException($"The rate-limit script answered a duration for '{key}' that does not fit in 64 bits of nanoseconds ({high} s + {low} ns).", key, ex);
        }
    }

    // fixed_window.lua's reply: {limited, limit, remaining, retry_after_ms, reset_after_ms}.
    private static RateLimitResult ReadWindow(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        return FixedWindowArithmetic.ToResult(rule, new FixedWindowArithmetic.Decision((long)values[0] == 1, (long)values[2], (long)values[3], (long)values[4]));
    }

    private static long Int64(RedisResult value, string key) => TryInt64(value, out long parsed) ? parsed : throw NotInt64(value, key);

    // A reply integer: an integer, or decimal digits for a duration beyond what a double holds
    // exactly. A value outside 64 bits is an error, never a wrapped number.
    private static bool TryInt64(RedisResult value, out long parsed)
    {
        if (value.Resp2Type == ResultType.Integer)
        {
            parsed = (long)value;
            return true;
        }

        return long.TryParse((string?)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out parsed);
    }

    private static RedisCellException NotInt64(RedisResult value, string key) =>
        new($"The rate-limit script answered \"{(string?)value}\" for '{key}', which is not a 64-bit integer.", key);
}
