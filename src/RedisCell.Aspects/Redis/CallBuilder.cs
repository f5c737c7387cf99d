using System;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>Builds the script call of a decision for the decider in use and the clock the options choose.</summary>
internal sealed class CallBuilder
{
    // batch.lua's clock argument asking for GCRA decisions through CL.THROTTLE (server clock).
    private static readonly RedisValue s_moduleClock = "m";

    private readonly RedisCellOptions _options;
    private readonly EngineProbe _engine;
    private readonly ArgumentCache _arguments = new();
    private readonly ArgumentCache _moduleArguments = new();

    public CallBuilder(RedisCellOptions options, EngineProbe engine)
    {
        _options = options;
        _engine = engine;
    }

    /// <summary>A lone decision: batch.lua with one entry (asking the module when it is in use), or the bare command.</summary>
    public ScriptCall Single(in RateLimitRule rule)
    {
        GcraDecider decider = _engine.Decider;
        if (decider == GcraDecider.ModuleDirect && rule.Policy is GcraPolicy) return ScriptCall.ForModuleCommand(rule);
        if (decider == GcraDecider.ModuleGuarded) return Batch(rule, s_moduleClock, byModule: true, _moduleArguments);

        // The window ignores the clock argument, so its arguments can be kept whatever the clock.
        return _options.Clock == ClockSource.Server || rule.Policy is FixedWindowPolicy
            ? Batch(rule, RedisValue.EmptyString, byModule: false, _arguments)
            : Batch(rule, ClientNow(), byModule: false, cached: null);
    }

    /// <summary>Several rules decided together, by multi.lua.</summary>
    public ScriptCall Many(ReadOnlySpan<RateLimitRule> rules, RedisKey[] keys) =>
        new(RedisScript.Multi, keys, ScriptCall.Arguments(rules, ClientNow(), nameof(rules)));

    /// <summary>The clock argument of a batch of decisions, and whether it asks the module.</summary>
    public RedisValue BatchClock(out bool byModule)
    {
        byModule = _engine.Decider == GcraDecider.ModuleGuarded;
        return byModule ? s_moduleClock : ClientNow();
    }

    // `cached`, when given, holds the arguments of calls of quantity 1 with this same clock argument.
    private static ScriptCall Batch(in RateLimitRule rule, RedisValue clock, bool byModule, ArgumentCache? cached)
    {
        RedisValue[] values = rule.Quantity == 1 && cached is not null
            ? cached.For(rule.Policy, clock)
            : ScriptCall.Arguments(new ReadOnlySpan<RateLimitRule>(in rule), clock, nameof(rule));
        return new ScriptCall(RedisScript.Batch, [rule.Key], values, byModule);
    }

    // Microseconds since the epoch when the client clock is in use; empty means the server's TIME.
    private RedisValue ClientNow() => _options.Clock == ClockSource.Client
        ? (_options.TimeProvider.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
        : RedisValue.EmptyString;
}
