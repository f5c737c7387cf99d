using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects;

// Where redis-cell's module is loaded, GCRA decisions are made by its CL.THROTTLE itself.
// Guarded (the default), it is called from batch.lua: the script shows the module only keys that
// hold GCRA state or nothing (on anything else the module crashes the server) and hands back,
// beside the module's reply, the TAT it left and the server clock read just before the call, from
// which the exact durations follow. Direct, the command is sent as it is. Multi-rule checks stay on
// multi.lua: they decide every rule before writing any, which a command that writes as it decides
// cannot do.
public sealed partial class RedisCellLimiter
{
    private const string ModuleCommand = "CL.THROTTLE";

    // batch.lua's ARGV[1] asking for GCRA decisions through CL.THROTTLE (server clock).
    private static readonly RedisValue s_moduleClock = "m";

    // What batch.lua puts beside a GCRA decision it made itself because CL.THROTTLE is no longer a command.
    private const string ModuleGoneMarker = "s";

    private volatile ModulePath _module;
    private int _moduleGoneLogged;

    private enum ModulePath
    {
        None,
        Guarded,
        Direct,
    }

    /// <summary>
    /// <see langword="true"/> while GCRA decisions are made by redis-cell's <c>CL.THROTTLE</c>:
    /// <see cref="WarmUpAsync"/> found the module loaded on every primary server
    /// (<c>COMMAND INFO cl.throttle</c>), <see cref="RedisCellOptions.RedisCellModule"/> allows it and
    /// the clock is the server's. It turns off by itself if the module is unloaded.
    /// </summary>
    public bool UsesRedisCellModule => _module != ModulePath.None;

    // Whether this decision is the CL.THROTTLE command itself (RedisCellModuleUse.Direct).
    private bool IsDirect(in RateLimitRule rule) => _module == ModulePath.Direct && rule.Policy is GcraPolicy;

    // A lone decision: batch.lua with one entry, asking the module when it is in use.
    private ScriptCall SingleCall(in RateLimitRule rule)
    {
        ModulePath module = _module;
        if (module == ModulePath.Direct && rule.Policy is GcraPolicy) return ScriptCall.ForModuleCommand(rule);
        if (module == ModulePath.Guarded) return ScriptCall.For(rule, s_moduleClock, byModule: true, _moduleArguments);

        // The window ignores the clock argument, so its arguments can be kept whatever the clock.
        return Options.Clock == ClockSource.Server || rule.Policy is FixedWindowPolicy
            ? ScriptCall.For(rule, RedisValue.EmptyString, byModule: false, _arguments)
            : ScriptCall.For(rule, ClientNow(), byModule: false, cached: null);
    }

    private RedisValue ClockArgument(bool byModule) => byModule ? s_moduleClock : ClientNow();

    private bool ModuleWanted => Options.RedisCellModule != RedisCellModuleUse.Never && Options.Clock == ClockSource.Server;

    // Asks every primary whether CL.THROTTLE is a command there; the module is used only when all
    // say so (on a cluster a decision may land on any of them).
    private async Task DetectModuleAsync(IEnumerable<IServer> primaries, long deadline, CancellationToken cancellationToken)
    {
        if (!ModuleWanted) return;
        bool any = false;
        foreach (IServer server in primaries)
        {
            try
            {
                RedisResult info = await server.ExecuteAsync("COMMAND", "INFO", "cl.throttle").WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
                if (!HasCommand(info)) return;
                any = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.WarmUpIncomplete(_logger, "COMMAND INFO cl.throttle on " + EndPointCollection.ToString(server.EndPoint), ex);
                return;
            }
        }

        if (any) UseModule();
    }

    /// <summary>The synchronous <see cref="DetectModuleAsync"/>.</summary>
    private void DetectModule(IEnumerable<IServer> primaries)
    {
        if (!ModuleWanted) return;
        bool any = false;
        foreach (IServer server in primaries)
        {
            try
            {
                if (!HasCommand(server.Execute("COMMAND", "INFO", "cl.throttle"))) return;
                any = true;
            }
            catch (Exception ex)
            {
                Log.WarmUpIncomplete(_logger, "COMMAND INFO cl.throttle on " + EndPointCollection.ToString(server.EndPoint), ex);
                return;
            }
        }

        if (any) UseModule();
    }

    // COMMAND INFO answers one entry per name asked: nil for a command the server does not know.
    private static bool HasCommand(RedisResult info) =>
        info.Resp2Type == ResultType.Array && info.Length == 1 && !info[0].IsNull && info[0].Length > 0;

    private void UseModule()
    {
        ModulePath path = Options.RedisCellModule == RedisCellModuleUse.Direct ? ModulePath.Direct : ModulePath.Guarded;
        if (_module == path) return;
        _module = path;
        Volatile.Write(ref _moduleGoneLogged, 0);
        Log.ModuleInUse(_logger, Options.RedisCellModule);
    }

    // CL.THROTTLE is no longer a command (the module was unloaded): batch.lua decided by itself, or
    // the direct command was refused and the decision goes to the script.
    private void ModuleGone()
    {
        _module = ModulePath.None;
        if (Interlocked.Exchange(ref _moduleGoneLogged, 1) == 0) Log.ModuleGone(_logger);
    }


    // The CL.THROTTLE command on its own, waiting at most until the deadline.
    private async Task<RedisResult> ExecuteModuleCommandAsync(ScriptCall call, long deadline, CancellationToken cancellationToken)
    {
        ThrowIfDisconnected(_database);
        Task<RedisResult> command = _database.ExecuteAsync(ModuleCommand, call.CommandArguments());
        try
        {
            return await command.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Observe(command);
            throw;
        }
    }

    private static bool IsUnknownCommand(RedisServerException ex) => ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    // CL.THROTTLE's own reply: five integers, the durations in whole seconds. A duration is taken
    // as the last nanosecond of the second it reports (a caller who waits it out is never early);
    // a reset_after of 0 is under a millisecond, taken as 0.
    private static RateLimitResult ParseModuleReply(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        if (values.Length != 5) throw new RedisCellException($"CL.THROTTLE answered {values.Length} values for '{rule.Key}'; it answers five.", rule.Key);
        long limited = (long)values[0], limit = (long)values[1], remaining = (long)values[2], retrySeconds = (long)values[3], resetSeconds = (long)values[4];
        long retry = limited == 1 && retrySeconds >= 0 ? LastNanosecondOf(retrySeconds) : RateLimitResult.NeverNanoseconds;
        long reset = resetSeconds > 0 ? LastNanosecondOf(resetSeconds) : 0;
        return new RateLimitResult(rule, limited == 1, limit, remaining, retry, reset);
    }

    // The largest nanoseconds redis-cell reports as `seconds` (see RateLimitResult.ReplySeconds).
    private static long LastNanosecondOf(long seconds) => checked((seconds * 1_000_000_000L) + 999_999);

    // A decision the module made, entry {state, tat, now_us, retry_after_s, reset_after_s} of
    // batch.lua's reply. The module read its own clock a few microseconds after now_us, in
    // nanoseconds nobody else sees, so the durations computed from now_us can exceed its own by
    // those microseconds: they are kept within the whole seconds it replied, so that
    // RateLimitResult.ToCellReply gives its five numbers, and never say to retry early.
    private static bool TryReadModuleEntry(RedisResult[] values, int at, in RateLimitRule rule, long state, out long retryAfter, out long resetAfter, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out RedisCellException? error)
    {
        (retryAfter, resetAfter) = (RateLimitResult.NeverNanoseconds, 0);
        string key = rule.Key;
        var gcra = (GcraPolicy)rule.Policy;
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

        resetAfter = WithinReplySeconds(tat - now, resetSeconds);
        if (state < 0 && retrySeconds != -1)
        {
            // Refused: the TAT is unchanged, and the call could pass once now reaches tat + T * quantity - DVT.
            Int128 retry = tat + ((Int128)gcra.EmissionIntervalNanoseconds * rule.Quantity) - gcra.DelayVariationToleranceNanoseconds - now;
            retryAfter = WithinReplySeconds(retry, retrySeconds);
        }

        error = null;
        return true;
    }

    // The nanoseconds nearest to `estimate` that redis-cell reports as `seconds` (whole seconds,
    // plus one when a millisecond part remains; see RateLimitResult.ReplySeconds).
    private static long WithinReplySeconds(Int128 estimate, long seconds)
    {
        const long Second = 1_000_000_000L, Millisecond = 1_000_000L;
        Int128 low, high;
        if (seconds > 0)
        {
            low = ((Int128)(seconds - 1) * Second) + Millisecond;
            high = ((Int128)seconds * Second) + Millisecond - 1;
        }
        else
        {
            low = ((Int128)seconds * Second) - Second + 1;
            high = seconds == 0 ? Millisecond - 1 : (Int128)seconds * Second;
        }

        return (long)Int128.Clamp(estimate, low, high);
    }
}

/// <summary>
/// What a decision sent as the bare <c>CL.THROTTLE</c> reports when the module is no longer loaded:
/// the caller sends it again, as a script. One per failure, like every exception the failure policy
/// may hand on as an InnerException.
/// </summary>
internal sealed class ModuleCommandGoneException : Exception
{
    public ModuleCommandGoneException(RedisServerException unknownCommand)
        : base("CL.THROTTLE is no longer a command on the server (the redis-cell module was unloaded).", unknownCommand)
    {
    }
}
