using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Loads the scripts decisions send (<c>SCRIPT LOAD</c>) on a server at warm-up, so that compiling
/// them is not paid out of the first decisions' timeout.
/// </summary>
internal sealed class ScriptLoader
{
    private readonly ILogger _logger;

    public ScriptLoader(ILogger logger) => _logger = logger;

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
                catch (RedisTimeoutException) when (!Deadline.HasPassed(deadline) && server.IsConnected)
                {
                    // The server may still be loading it; the next attempt finds it compiled. A server
                    // the connection cannot reach would time out every attempt until the deadline.
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
                catch (RedisTimeoutException) when (Stopwatch.GetTimestamp() < deadline && server.IsConnected)
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
