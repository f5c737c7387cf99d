using System;
using System.Runtime.CompilerServices;
using System.Threading;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>One invocation: a script (or the bare <c>CL.THROTTLE</c> command), its keys and arguments.</summary>
internal readonly struct ScriptCall
{
    /// <summary>The command a module-made decision is, on its own.</summary>
    public const string ModuleCommand = "CL.THROTTLE";

    public ScriptCall(RedisScript? script, RedisKey[] keys, RedisValue[] values, bool byModule = false)
    {
        Script = script;
        Keys = keys;
        Values = values;
        ByModule = byModule;
    }

    /// <summary>The script, or null for the <c>CL.THROTTLE</c> command itself (<see cref="RedisCellModuleUse.Direct"/>).</summary>
    public RedisScript? Script { get; }

    public RedisKey[] Keys { get; }

    public RedisValue[] Values { get; }

    /// <summary>Whether batch.lua was asked to decide GCRA through <c>CL.THROTTLE</c> (five values per decision).</summary>
    public bool ByModule { get; }

    public bool IsModuleCommand => Script is null;

    /// <summary><c>CL.THROTTLE key max_burst count period quantity</c>.</summary>
    public static ScriptCall ForModuleCommand(in RateLimitRule rule)
    {
        var gcra = (GcraPolicy)rule.Policy;
        return new ScriptCall(null, [rule.Key], [gcra.MaxBurst, gcra.Count, gcra.PeriodSeconds, rule.Quantity]);
    }

    /// <summary>
    /// The module command's arguments: the key as a <see cref="RedisKey"/>, so the key prefix applies
    /// and a cluster routes it to its slot, then the four numbers.
    /// </summary>
    public object[] CommandArguments() => [Keys[0], Values[0], Values[1], Values[2], Values[3]];

    /// <summary>ARGV of batch.lua and multi.lua: the clock argument, then five per rule.</summary>
    public static RedisValue[] Arguments(ReadOnlySpan<RateLimitRule> rules, RedisValue clock, string paramName)
    {
        var values = new RedisValue[1 + (5 * rules.Length)];
        values[0] = clock;
        for (int i = 0; i < rules.Length; i++) WriteRule(values, 1 + (5 * i), rules[i].Policy, rules[i].Quantity, paramName);
        return values;
    }

    /// <summary>One rule's five arguments: its kind, the policy's three numbers and the quantity.</summary>
    public static void WriteRule(RedisValue[] values, int at, RateLimitPolicy? policy, long quantity, string paramName)
    {
        switch (policy)
        {
            case GcraPolicy gcra:
                values[at] = "g";
                values[at + 1] = gcra.MaxBurst;
                values[at + 2] = gcra.Count;
                values[at + 3] = gcra.PeriodSeconds;
                break;
            case FixedWindowPolicy window:
                values[at] = "w";
                values[at + 1] = window.Limit;
                values[at + 2] = window.WindowMilliseconds;
                values[at + 3] = RedisValue.EmptyString;
                break;
            case null:
                throw new ArgumentException("The rule has no policy; create rules with the RateLimitRule constructor.", paramName);
            default:
                throw new ArgumentException($"Policy type {policy.GetType().Name} is not supported.", paramName);
        }

        values[at + 4] = quantity;
    }
}

/// <summary>
/// The arguments of the commonest call (quantity 1, one fixed clock argument per cache) per
/// policy, built once: the array is only read while the command is written, so concurrent calls
/// can share it. A few slots indexed by the policy's identity bound it; a policy that loses its
/// slot builds it again.
/// </summary>
internal sealed class ArgumentCache
{
    private const int Slots = 64;
    private readonly Arguments?[] _slots = new Arguments?[Slots];

    public RedisValue[] For(RateLimitPolicy policy, RedisValue clock)
    {
        ref Arguments? slot = ref _slots[RuntimeHelpers.GetHashCode(policy) & (Slots - 1)];
        Arguments? known = Volatile.Read(ref slot);
        if (known is not null && ReferenceEquals(known.Policy, policy)) return known.Values;
        var values = new RedisValue[6];
        values[0] = clock;
        ScriptCall.WriteRule(values, 1, policy, 1, "rule");
        Volatile.Write(ref slot, new Arguments(policy, values));
        return values;
    }

    private sealed record Arguments(RateLimitPolicy Policy, RedisValue[] Values);
}
