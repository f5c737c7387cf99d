using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// Loads a script a server has lost (<c>NOSCRIPT</c>: a restart, <c>SCRIPT FLUSH</c>, a failover)
/// again in the background, for a synchronous decision that could not resend it within its timeout.
/// </summary>
/// <remarks>
/// StackExchange.Redis's synchronous calls wait up to the connection's whole <c>SyncTimeout</c>, so
/// a synchronous decision can resend the script text only while that much of its own timeout is
/// left; otherwise the failure policy answers it and this loads the script for the decisions after
/// it. One load runs at a time per limiter: the decisions that meet <c>NOSCRIPT</c> meanwhile do not
/// start another.
/// </remarks>
internal sealed class ScriptReloader
{
    private int _running;
    private int _started;

    /// <summary>How many loads were started (for tests).</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Starts loading <paramref name="script"/> on every primary of <paramref name="redis"/>, unless a load is already running.</summary>
    public void Reload(IConnectionMultiplexer redis, LuaScript script)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        Interlocked.Increment(ref _started);
        _ = LoadAsync(redis, script);
    }

    private async Task LoadAsync(IConnectionMultiplexer redis, LuaScript script)
    {
        try
        {
            // Every primary, not only the key's: a restart or failover that lost this script on one
            // server usually lost it wherever that server is, and a load of a script already there is cheap.
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
                    // reports why and starts another load.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}

/// <summary>
/// The server had lost the script a synchronous decision sent (<c>NOSCRIPT</c>), and too little of
/// the decision's timeout was left to resend it: the failure policy answered while the script loads.
/// </summary>
/// <remarks>Handed to the failure policy like <see cref="StoreCircuitOpenException"/>: FailClosed exposes it as the InnerException.</remarks>
internal sealed class ScriptReloadingException : Exception
{
    public ScriptReloadingException(TimeSpan timeout, Exception noScript)
        : base($"The server had lost the rate-limit script (NOSCRIPT) and a synchronous decision cannot resend it within its {timeout.TotalMilliseconds:0.###} ms timeout; it is being loaded again in the background.", noScript)
    {
    }
}
