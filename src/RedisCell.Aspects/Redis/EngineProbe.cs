using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>How GCRA decisions reach the server: the library's scripts, or redis-cell's module.</summary>
internal enum GcraDecider
{
    /// <summary>The library's scripts decide.</summary>
    Script,

    /// <summary>batch.lua checks the key, then calls <c>CL.THROTTLE</c> (<see cref="RedisCellModuleUse.Guarded"/>).</summary>
    ModuleGuarded,

    /// <summary>The bare <c>CL.THROTTLE</c> command (<see cref="RedisCellModuleUse.Direct"/>).</summary>
    ModuleDirect,
}

/// <summary>
/// Finds which decider the server offers: where redis-cell's module is loaded on every primary
/// (<c>COMMAND INFO cl.throttle</c>), GCRA decisions use its <c>CL.THROTTLE</c>; once the module is
/// gone, the scripts decide again. Why and how: <c>docs/design/engines.md</c>.
/// </summary>
internal sealed class EngineProbe
{
    private readonly RedisCellOptions _options;
    private readonly ILogger _logger;
    private volatile GcraDecider _decider;
    private int _goneLogged;

    public EngineProbe(RedisCellOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public GcraDecider Decider => _decider;

    /// <summary>Whether this decision is the bare <c>CL.THROTTLE</c> command.</summary>
    public bool IsDirect(in RateLimitRule rule) => _decider == GcraDecider.ModuleDirect && rule.Policy is GcraPolicy;

    // The module's clock is the server's: with the client's clock only the scripts can decide.
    private bool ModuleWanted => _options.RedisCellModule != RedisCellModuleUse.Never && _options.Clock == ClockSource.Server;

    /// <summary>Asks every primary whether <c>CL.THROTTLE</c> is a command there; the module is used only when all say so.</summary>
    public async Task DetectAsync(IEnumerable<IServer> primaries, long deadline, CancellationToken cancellationToken)
    {
        if (!ModuleWanted) return;
        bool any = false;
        foreach (IServer server in primaries)
        {
            try
            {
                RedisResult info = await server.ExecuteAsync("COMMAND", "INFO", "cl.throttle").WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
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

    /// <summary>The synchronous <see cref="DetectAsync"/>.</summary>
    public void Detect(IEnumerable<IServer> primaries)
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

    /// <summary><c>CL.THROTTLE</c> is no longer a command (the module was unloaded): the scripts decide again.</summary>
    public void ModuleGone()
    {
        _decider = GcraDecider.Script;
        if (Interlocked.Exchange(ref _goneLogged, 1) == 0) Log.ModuleGone(_logger);
    }

    // COMMAND INFO answers one entry per name asked: nil for a command the server does not know.
    private static bool HasCommand(RedisResult info) =>
        info.Resp2Type == ResultType.Array && info.Length == 1 && !info[0].IsNull && info[0].Length > 0;

    private void UseModule()
    {
        GcraDecider decider = _options.RedisCellModule == RedisCellModuleUse.Direct ? GcraDecider.ModuleDirect : GcraDecider.ModuleGuarded;
        if (_decider == decider) return;
        _decider = decider;
        Volatile.Write(ref _goneLogged, 0);
        Log.ModuleInUse(_logger, _options.RedisCellModule);
    }
}
