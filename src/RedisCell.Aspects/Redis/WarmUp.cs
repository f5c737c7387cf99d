using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Prepares a limiter for its first decisions: loads the scripts on every primary, looks for
/// redis-cell's module, then makes one read-only decision through each script, so that compiling
/// a script (on the server) or a decision path (here) is not paid out of the first calls' timeout.
/// </summary>
internal sealed class WarmUp
{
    // Where the warm-up decisions read (with quantity 0, so nothing is written), under the key prefix.
    private const string Key = "rediscell:warm-up";

    // How long a warm-up keeps retrying a script load that timed out: what a hung server can add to a startup.
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(2);

    // One rule of each kind: alone it goes through batch.lua, together through multi.lua.
    private static readonly RateLimitRule[] s_rules =
    [
        new(new GcraPolicy(0, 1, 1), Key, 0),
        new(FixedWindowPolicy.PerSecond(1), Key + ":window", 0),
    ];

    private readonly RedisConnection _connection;
    private readonly ScriptLoader _loader;
    private readonly EngineProbe _engine;
    private readonly ILogger _logger;

    public WarmUp(RedisConnection connection, ScriptLoader loader, EngineProbe engine, ILogger logger)
    {
        _connection = connection;
        _loader = loader;
        _engine = engine;
        _logger = logger;
    }

    /// <summary>Warms <paramref name="limiter"/> up; never throws for an unreachable or failing server.</summary>
    /// <returns>Whether every primary loaded the scripts and the decisions were answered.</returns>
    public async Task<bool> RunAsync(CellLimiter limiter, CancellationToken cancellationToken)
    {
        long deadline = Deadline.After(s_budget);
        bool loaded = true, anyLoaded = false;
        foreach (IServer server in _connection.Primaries())
        {
            bool serverLoaded = await _loader.LoadAsync(server, deadline, cancellationToken).ConfigureAwait(false);
            loaded &= serverLoaded;
            anyLoaded |= serverLoaded;
        }

        // Without a server there is nothing to warm: the decisions would only follow the failure policy.
        if (!anyLoaded) return false;
        await _engine.DetectAsync(_connection.Primaries(), deadline, cancellationToken).ConfigureAwait(false);
        try
        {
            await limiter.CheckCoreAsync(s_rules[0], cancellationToken).ConfigureAwait(false);
            await limiter.CheckManyCoreAsync(s_rules, cancellationToken).ConfigureAwait(false);
            return loaded;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.WarmUpIncomplete(_logger, "decisions", ex);
            return false;
        }
    }

    /// <summary>The synchronous <see cref="RunAsync"/>: only synchronous calls, no wait on a task.</summary>
    public bool Run(CellLimiter limiter)
    {
        long deadline = Deadline.After(s_budget);
        bool loaded = true, anyLoaded = false;
        foreach (IServer server in _connection.Primaries())
        {
            bool serverLoaded = _loader.Load(server, deadline);
            loaded &= serverLoaded;
            anyLoaded |= serverLoaded;
        }

        if (!anyLoaded) return false;
        _engine.Detect(_connection.Primaries());
        try
        {
            limiter.CheckCore(s_rules[0]);
            limiter.CheckManyCore(s_rules);
            return loaded;
        }
        catch (Exception ex)
        {
            Log.WarmUpIncomplete(_logger, "decisions", ex);
            return false;
        }
    }
}
