using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// What the store's errors mean: whether it could not decide (the failure policy answers) or said
/// something is wrong (thrown as <see cref="RedisCellException"/>), and their messages.
/// </summary>
internal static class StoreErrors
{
    // What the scripts' clock() replies when the server will not run TIME inside a script.
    private const string ClockRefusedMarker = "TIME refused";

    // Replies of a server that is alive but cannot decide now: loading its data, running a slow
    // script, out of memory, a replica after failover, or a cluster that is reconfiguring.
    private static readonly string[] s_transientPrefixes = ["LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS"];

    /// <summary>Whether <paramref name="error"/> says the store could not decide, rather than that the call or the data is wrong.</summary>
    public static bool IsUnavailable(Exception error) => error switch
    {
        TimeoutException => true, // ours, and StackExchange.Redis's RedisTimeoutException
        RedisConnectionException => true,
        RedisServerException server => IsTransient(server.Message),
        _ => false,
    };

    /// <summary>Why a connection has no server, in a few words: <c>Connection refused</c>, <c>the server refused the credentials</c>.</summary>
    public static string ConnectionReason(RedisConnectionException error)
    {
        // "No connection is active/available to service this operation: PING; <reason>, mc: …"
        string message = error.Message;
        int start = message.IndexOf("; ", StringComparison.Ordinal);
        int end = start < 0 ? -1 : message.IndexOf(", mc:", start, StringComparison.Ordinal);
        return start >= 0 && end > start ? message[(start + 2)..end] : ConnectionReason(error.FailureType, error.InnerException);
    }

    /// <inheritdoc cref="ConnectionReason(RedisConnectionException)"/>
    public static string ConnectionReason(ConnectionFailureType failure, Exception? error) => failure switch
    {
        ConnectionFailureType.AuthenticationFailure => "the server refused the credentials",
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.SocketFailure when error?.InnerException is { } inner => inner.Message,
        _ => failure.ToString(),
    };

    /// <summary>Whether the server refused the connection's credentials: it will not accept them later either.</summary>
    public static bool IsCredentialsRefused(RedisConnectionException error) =>
        error.FailureType == ConnectionFailureType.AuthenticationFailure
        || error.Message.Contains("NOAUTH", StringComparison.Ordinal)
        || error.Message.Contains("WRONGPASS", StringComparison.Ordinal);

    /// <summary>The server has lost the script (a restart, <c>SCRIPT FLUSH</c>, a failover).</summary>
    public static bool IsNoScript(RedisServerException error) => error.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    /// <summary>The server does not know the command (a module that was unloaded).</summary>
    public static bool IsUnknownCommand(RedisServerException error) => error.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    /// <summary>A script's error reply, about the key (or keys) of the decision it failed.</summary>
    public static RedisCellException Translate(RedisServerException error, RedisKey[] keys) =>
        Translate(error.Message, keys.Length == 1 ? (string)keys[0]! : string.Join(", ", Array.ConvertAll(keys, k => (string)k!)), error);

    /// <inheritdoc cref="Translate(RedisServerException, RedisKey[])"/>
    public static RedisCellException Translate(string message, string key, Exception? inner)
    {
        if (message.Contains(ClockRefusedMarker, StringComparison.Ordinal))
        {
            return new RedisCellException(
                $"The server refused to let the rate-limit script read its clock (TIME): {message}. Set RedisCellOptions.Clock = ClockSource.Client to send this process's clock with each call instead (keep the clocks of every client in sync).",
                key,
                inner);
        }

        return new RedisCellException($"Rate-limit script failed for '{key}': {message}", key, inner);
    }

    /// <summary>
    /// Observes a command abandoned at its deadline or by a cancellation, which may still fail
    /// later: its exception must not be reported as unobserved.
    /// </summary>
    public static void Observe(Task? abandoned)
    {
        if (abandoned is { IsCompleted: false }) _ = abandoned.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
    }

    private static bool IsTransient(string message)
    {
        foreach (string prefix in s_transientPrefixes)
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }

        return false;
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
