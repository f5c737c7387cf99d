using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects;

public abstract partial class CellLimiter
{
    /// <summary>The environment variable read when no shared limiter was configured.</summary>
    public const string RedisUrlVariable = "REDIS_URL";

    // The one piece of static mutable state in the library: the limiter generated code calls, and
    // the named limiters an attribute can pick with Limiter = "name".
    private static CellLimiter? s_shared;
    private static ImmutableDictionary<string, CellLimiter> s_named = ImmutableDictionary.Create<string, CellLimiter>(StringComparer.Ordinal);
    private static readonly object s_sharedLock = new();

    // Hosts whose limiter is shared while they run, oldest first (see LeaseShared): part of the
    // shared limiter's state, so that stopping one host hands the shared limiter back correctly.
    private static ImmutableList<SharedLease> s_leases = ImmutableList<SharedLease>.Empty;

    /// <summary>
    /// The limiter that code generated for the attributes calls.
    /// </summary>
    /// <remarks>
    /// Set it once at startup with <see cref="ConfigureShared(CellLimiter)"/>, or let the host do it:
    /// with <c>services.AddRedisCell(...)</c> the limiter the host configured becomes the shared one
    /// when the host starts (before it accepts requests) and stops being it when the host stops. When nothing was configured, the first use reads
    /// <c>REDIS_URL</c> (a StackExchange.Redis configuration string or a <c>redis://</c> /
    /// <c>rediss://</c> URL) and connects to it in the background: no call waits for that, and
    /// until the connection is open and warmed up each decision follows the failure policy at once
    /// (the default, <see cref="RateLimiterFailurePolicy.FailOpen"/>, allows it), so no call waits
    /// much past <see cref="RedisCellOptions.Timeout"/> even when nothing or a hung server answers
    /// there. Then a <see cref="RedisCellLimiter"/> decides, and becomes <see cref="Shared"/>. To
    /// count the very first calls, configure the limiter yourself after connecting
    /// (<c>ConfigureShared(await RedisCellLimiter.ConnectAsync(url))</c>). Without <c>REDIS_URL</c>,
    /// the limits are kept in this process by an <see cref="InProcessCellLimiter"/>, and one warning says so.
    /// </remarks>
    public static CellLimiter Shared => Volatile.Read(ref s_shared) ?? CreateSharedFromEnvironment();

    /// <summary>Makes <paramref name="limiter"/> the shared limiter and returns the previous one, if any.</summary>
    /// <remarks>The previous limiter is not disposed: the caller that created it owns it.</remarks>
    public static CellLimiter? ConfigureShared(CellLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        lock (s_sharedLock)
        {
            CellLimiter? previous = s_shared;
            Volatile.Write(ref s_shared, limiter);
            return previous;
        }
    }

    /// <summary>
    /// The shared limiter registered under <paramref name="name"/> (for apps that talk to more than
    /// one Redis); <see langword="null"/> or empty means <see cref="Shared"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No limiter was registered under <paramref name="name"/>.</exception>
    public static CellLimiter GetShared(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Shared;
        if (Volatile.Read(ref s_named).TryGetValue(name, out CellLimiter? limiter)) return limiter;
        throw new InvalidOperationException(
            $"No rate limiter is registered under the name '{name}'. Register it at startup with CellLimiter.ConfigureShared(\"{name}\", limiter) or services.AddRedisCell(\"{name}\", ...).");
    }

    /// <summary>Registers <paramref name="limiter"/> under <paramref name="name"/> and returns the one it replaces, if any.</summary>
    public static CellLimiter? ConfigureShared(string name, CellLimiter limiter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(limiter);
        lock (s_sharedLock)
        {
            s_named.TryGetValue(name, out CellLimiter? previous);
            Volatile.Write(ref s_named, s_named.SetItem(name, limiter));
            return previous;
        }
    }

    /// <summary>
    /// Creates a limiter from the environment: a <see cref="RedisCellLimiter"/> for <c>REDIS_URL</c>,
    /// connected and warmed up before it returns (see <see cref="RedisCellLimiter.Connect(string, RedisCellOptions?)"/>;
    /// <see cref="Shared"/> connects in the background instead), else an <see cref="InProcessCellLimiter"/>.
    /// </summary>
    /// <param name="options">Options for the limiter; its logger receives the per-process warning.</param>
    /// <param name="redisUrl">The connection to use, or <see langword="null"/> to read <c>REDIS_URL</c>.</param>
    public static CellLimiter CreateFromEnvironment(RedisCellOptions? options = null, string? redisUrl = null)
    {
        options ??= new RedisCellOptions();
        redisUrl ??= Environment.GetEnvironmentVariable(RedisUrlVariable);
        if (!string.IsNullOrWhiteSpace(redisUrl))
        {
            return RedisCellLimiter.Connect(redisUrl, options);
        }

        ILogger logger = options.LoggerFactory.CreateLogger("RedisCell.Aspects");
        if (logger.IsEnabled(LogLevel.Warning))
        {
            Log.NoLimiterConfigured(logger);
        }
        else
        {
            // Nobody configured logging; a silent per-process limit would be a surprise in production.
            Console.Error.WriteLine("warn: RedisCell.Aspects: " + Log.NoLimiterConfiguredMessage);
        }

        return new InProcessCellLimiter(options);
    }

    /// <summary>
    /// Makes <paramref name="limiter"/> the shared limiter (or the one named <paramref name="name"/>)
    /// until the returned lease is disposed: what a host does while it runs. When the lease ends
    /// and the limiter is still in place, the most recent other live lease's limiter takes over,
    /// else whatever was configured before the first live lease (nothing, so the next use reads
    /// the environment again). Hosts that start and stop in any order, as tests do, therefore never
    /// leave a stopped host's disposed limiter behind.
    /// </summary>
    internal static IDisposable LeaseShared(string? name, CellLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        name = string.IsNullOrEmpty(name) ? null : name;
        lock (s_sharedLock)
        {
            SharedLease? oldest = null;
            foreach (SharedLease live in s_leases)
            {
                if (live.Name == name)
                {
                    oldest = live;
                    break;
                }
            }

            var lease = new SharedLease(name, limiter, oldest is null ? CurrentUnlocked(name) : oldest.Before);
            s_leases = s_leases.Add(lease);
            SetUnlocked(name, limiter);
            return lease;
        }
    }

    private static void EndLease(SharedLease lease)
    {
        lock (s_sharedLock)
        {
            if (!s_leases.Contains(lease)) return;
            s_leases = s_leases.Remove(lease);

            // Someone configured another limiter since this lease began: theirs stays.
            if (!ReferenceEquals(CurrentUnlocked(lease.Name), lease.Limiter)) return;
            CellLimiter? next = lease.Before;
            for (int i = s_leases.Count - 1; i >= 0; i--)
            {
                if (s_leases[i].Name == lease.Name)
                {
                    next = s_leases[i].Limiter;
                    break;
                }
            }

            SetUnlocked(lease.Name, next);
        }
    }

    private static CellLimiter? CurrentUnlocked(string? name) =>
        name is null ? s_shared : s_named.GetValueOrDefault(name);

    private static void SetUnlocked(string? name, CellLimiter? limiter)
    {
        if (name is null) Volatile.Write(ref s_shared, limiter);
        else Volatile.Write(ref s_named, limiter is null ? s_named.Remove(name) : s_named.SetItem(name, limiter));
    }

    // One host's claim on a shared limiter; see LeaseShared.
    private sealed class SharedLease : IDisposable
    {
        public SharedLease(string? name, CellLimiter limiter, CellLimiter? before)
        {
            Name = name;
            Limiter = limiter;
            Before = before;
        }

        public string? Name { get; }
        public CellLimiter Limiter { get; }
        public CellLimiter? Before { get; }

        public void Dispose() => EndLease(this);
    }

    private static CellLimiter CreateSharedFromEnvironment()
    {
        lock (s_sharedLock)
        {
            if (s_shared is null)
            {
                Volatile.Write(ref s_shared, CreateShared(Environment.GetEnvironmentVariable(RedisUrlVariable)));
            }

            return s_shared!;
        }
    }

    /// <summary>
    /// What the first use of <see cref="Shared"/> creates: for a Redis URL, a limiter that connects
    /// in the background (a malformed URL throws here, at once); else the in-process one, with its warning.
    /// </summary>
    internal static CellLimiter CreateShared(string? redisUrl, RedisCellOptions? options = null) =>
        string.IsNullOrWhiteSpace(redisUrl)
            ? CreateFromEnvironment(options, redisUrl: "")
            : new BackgroundConnectingLimiter(RedisConnectionString.Parse(redisUrl), options);

    // A limiter that connected in the background takes the place of the one that stood for it,
    // unless another was configured meanwhile.
    private static void PromoteShared(CellLimiter connecting, CellLimiter connected)
    {
        lock (s_sharedLock)
        {
            if (ReferenceEquals(s_shared, connecting)) Volatile.Write(ref s_shared, connected);
        }
    }

    /// <summary>Sets what <see cref="Shared"/> holds, nothing included, and returns what it held (for tests of its first use).</summary>
    internal static CellLimiter? ExchangeShared(CellLimiter? limiter)
    {
        lock (s_sharedLock)
        {
            CellLimiter? previous = s_shared;
            Volatile.Write(ref s_shared, limiter);
            return previous;
        }
    }
}
