using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Loads the scripts decisions send (<c>SCRIPT LOAD</c>) on a server: at warm-up, and again in the
/// background after a synchronous decision found one lost (<c>NOSCRIPT</c>) and could not resend it
/// within its timeout.
/// </summary>
internal sealed class ScriptLoader
{
    private readonly ILogger _logger;
    private int _reloading;
    private int _reloadsStarted;

    public ScriptLoader(ILogger logger) => _logger = logger;

    /// <summary>How many background reloads were started (for tests).</summary>
    public int ReloadsStarted => Volatile.Read(ref _reloadsStarted);

    /// <summary>
    /// Loads every script on <paramref name="server"/>. A load that times out is retried until
    /// <paramref name="deadline"/>: a server starting its Lua engine (Garnet's first script takes
    /// about half a second) reports a timeout while it carries on.
    /// </summary>
    /// <returns>Whether every script was loaded; a failure is logged, never thrown.</returns>
    public async Task<bool> LoadAsync(IServer server, long deadline, CancellationToken cancellationToken)
    {
        foreach (RedisScript script in RedisScript.Sent)
        {
            while (true)
            {
                try
                {
                    await server.ScriptLoadAsync(script.Text).WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (RedisTimeoutException) when (!Deadline.HasPassed(deadline))
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

    /// <summary>The synchronous <see cref="LoadAsync"/>: only synchronous calls, no wait on a task.</summary>
    public bool Load(IServer server, long deadline)
    {
        foreach (RedisScript script in RedisScript.Sent)
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

    /// <summary>Starts loading <paramref name="script"/> on every primary, unless a reload is already running.</summary>
    public void ReloadInBackground(IConnectionMultiplexer redis, RedisScript script)
    {
        if (Interlocked.CompareExchange(ref _reloading, 1, 0) != 0) return;
        Interlocked.Increment(ref _reloadsStarted);
        _ = ReloadAsync(redis, script);
    }

    private async Task ReloadAsync(IConnectionMultiplexer redis, RedisScript script)
    {
        try
        {
            // Every primary, not only the key's: a restart or failover that lost this script on one
            // server usually lost it wherever that server is, and loading a known script is cheap.
            foreach (IServer server in redis.GetServers())
            {
                if (server.IsReplica || !server.IsConnected) continue;
                try
                {
                    await server.ScriptLoadAsync(script.Text).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    // Best effort: a server that cannot load it now fails the next decision, which
                    // reports why and starts another reload.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _reloading, 0);
        }
    }
}

/// <summary>
/// The server had lost the script a synchronous decision sent (<c>NOSCRIPT</c>), and too little of
/// the decision's timeout was left to resend it: the failure policy answered while the script loads.
/// </summary>
/// <remarks>Handed to the failure policy like <c>StoreCircuitOpenException</c>: FailClosed exposes it as the InnerException.</remarks>
internal sealed class ScriptReloadingException : Exception
{
    public ScriptReloadingException(TimeSpan timeout, Exception noScript)
        : base($"The server had lost the rate-limit script (NOSCRIPT) and a synchronous decision cannot resend it within its {timeout.TotalMilliseconds:0.###} ms timeout; it is being loaded again in the background.", noScript)
    {
    }
}
