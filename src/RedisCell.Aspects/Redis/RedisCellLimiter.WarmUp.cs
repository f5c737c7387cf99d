using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects;

public sealed partial class RedisCellLimiter
{
    // Where the warm-up decisions read (with quantity 0, so nothing is written), under the key prefix.
    private const string WarmUpKey = "rediscell:warm-up";

    // One rule of each kind: alone it goes through batch.lua, together through multi.lua.
    private static readonly RateLimitRule[] s_warmUpRules =
    [
        new(new GcraPolicy(0, 1, 1), WarmUpKey, 0),
        new(FixedWindowPolicy.PerSecond(1), WarmUpKey + ":window", 0),
    ];

    // The scripts decisions send: batch.lua for single rules (alone or batched), multi.lua for several.
    private static readonly LuaScript[] s_sentScripts = [LuaScript.Batch, LuaScript.Multi];

    // How long a warm-up keeps retrying a script load that timed out. In a fresh process the first
    // script Garnet runs takes about half a second to load (its Lua engine starts), which a
    // connection tuned for 100 ms decisions reports as a timeout while the server carries on. A hung
    // server times out every attempt: the budget is what it can add to a startup.
    private static readonly TimeSpan s_warmUpBudget = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Prepares the limiter for its first decisions: loads its scripts (<c>SCRIPT LOAD</c>) on every
    /// primary server of the connection, looks for redis-cell's module there (see
    /// <see cref="UsesRedisCellModule"/>), then makes one read-only decision through each script, so
    /// that neither the server compiling a script nor this process compiling its decision path is
    /// paid out of the first calls' <see cref="RedisCellOptions.Timeout"/>.
    /// </summary>
    /// <remarks>
    /// <see cref="Connect(string, RedisCellOptions?)"/>, <see cref="ConnectAsync(string, RedisCellOptions?)"/>
    /// and the host that <c>AddRedisCell</c> configures call it; call it yourself after creating a
    /// limiter on a connection you pass in. It never throws for an unreachable or failing server (a
    /// server that is not warmed up loads the scripts on its first decision instead) and writes
    /// nothing: the decisions read <c>rediscell:warm-up</c> under the key prefix with quantity 0, and
    /// are not recorded as decisions in metrics or traces. A script load that times out is retried for
    /// up to two seconds in all; with the attempts already sent and the two decisions, a server that
    /// hangs adds about two seconds plus a few <see cref="RedisCellOptions.Timeout"/>s to a startup.
    /// </remarks>
    /// <param name="cancellationToken">Stops the warm-up.</param>
    /// <returns><see langword="true"/> when every primary server loaded the scripts and the decisions were answered.</returns>
    public async Task<bool> WarmUpAsync(CancellationToken cancellationToken = default)
    {
        long deadline = WarmUpDeadline();
        bool loaded = true, anyLoaded = false;
        foreach (IServer server in Primaries())
        {
            bool serverLoaded = await LoadScriptsAsync(server, deadline, cancellationToken).ConfigureAwait(false);
            loaded &= serverLoaded;
            anyLoaded |= serverLoaded;
        }

        // Without a server there is nothing to warm: the decisions would only follow the failure policy.
        if (!anyLoaded) return false;
        await DetectModuleAsync(Primaries(), deadline, cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckCoreAsync(s_warmUpRules[0], cancellationToken).ConfigureAwait(false);
            await CheckManyCoreAsync(s_warmUpRules, cancellationToken).ConfigureAwait(false);
            return loaded;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.WarmUpIncomplete(_logger, "decisions", ex);
            return false;
        }
    }

    /// <summary>The synchronous <see cref="WarmUpAsync"/>, for <see cref="Connect(string, RedisCellOptions?)"/>: only synchronous calls, no wait on a task.</summary>
    private bool WarmUp()
    {
        long deadline = WarmUpDeadline();
        bool loaded = true, anyLoaded = false;
        foreach (IServer server in Primaries())
        {
            bool serverLoaded = LoadScripts(server, deadline);
            loaded &= serverLoaded;
            anyLoaded |= serverLoaded;
        }

        if (!anyLoaded) return false;
        DetectModule(Primaries());
        try
        {
            CheckCore(s_warmUpRules[0]);
            CheckManyCore(s_warmUpRules);
            return loaded;
        }
        catch (Exception ex)
        {
            Log.WarmUpIncomplete(_logger, "decisions", ex);
            return false;
        }
    }

    private static long WarmUpDeadline() => Stopwatch.GetTimestamp() + (long)(s_warmUpBudget.TotalSeconds * Stopwatch.Frequency);

    private System.Collections.Generic.IEnumerable<IServer> Primaries() => _redis.GetServers().Where(server => !server.IsReplica);

    private async Task<bool> LoadScriptsAsync(IServer server, long deadline, CancellationToken cancellationToken)
    {
        foreach (LuaScript script in s_sentScripts)
        {
            while (true)
            {
                try
                {
                    await server.ScriptLoadAsync(script.Text).WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (RedisTimeoutException) when (Stopwatch.GetTimestamp() < deadline)
                {
                    // The server may still be loading it; the next attempt finds it compiled.
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Log.WarmUpIncomplete(_logger, EndPointCollection.ToString(server.EndPoint), ex);
                    return false;
                }
            }
        }

        return true;
    }

    private bool LoadScripts(IServer server, long deadline)
    {
        foreach (LuaScript script in s_sentScripts)
        {
            while (true)
            {
                try
                {
                    server.ScriptLoad(script.Text);
                    break;
                }
                catch (RedisTimeoutException) when (Stopwatch.GetTimestamp() < deadline)
                {
                }
                catch (Exception ex)
                {
                    Log.WarmUpIncomplete(_logger, EndPointCollection.ToString(server.EndPoint), ex);
                    return false;
                }
            }
        }

        return true;
    }
}
