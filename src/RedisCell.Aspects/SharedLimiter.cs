using System;
using System.Collections.Immutable;
using System.Threading;

namespace RedisCell.Aspects;

/// <summary>
/// The process-wide registry of limiters that code generated for the attributes asks: the default
/// one (<see cref="Current"/>) and named ones (<see cref="Get"/>), for applications that talk to
/// more than one Redis. The one piece of static mutable state in the library.
/// </summary>
/// <remarks>
/// Configure it in code with <see cref="Configure(CellLimiter)"/>, or through a host with
/// <c>services.AddRedisCell()</c>, whose limiter takes the place while the host runs. When nothing
/// was configured, the first use reads <c>REDIS_URL</c> (<c>docs/getting-started.md</c>).
/// </remarks>
public static class SharedLimiter
{
    /// <summary>The environment variable read when no limiter was configured.</summary>
    public const string RedisUrlVariable = "REDIS_URL";

    private static readonly object s_lock = new();
    private static CellLimiter? s_default;
    private static ImmutableDictionary<string, CellLimiter> s_named = ImmutableDictionary.Create<string, CellLimiter>(StringComparer.Ordinal);

    // Hosts whose limiter is in place while they run, oldest first (see Lease).
    private static ImmutableList<Lease> s_leases = ImmutableList<Lease>.Empty;

    /// <summary>
    /// The default limiter. When none was configured, the first use creates one from the
    /// environment: for <c>REDIS_URL</c> (or <c>REDIS_HOST</c> and <c>REDIS_PORT</c>), a Redis limiter
    /// whose first decisions wait for its connection up to <see cref="Redis.RedisCellOptions.ConnectTimeout"/>;
    /// without them, an <see cref="InProcess.InProcessCellLimiter"/> and one warning saying so.
    /// </summary>
    /// <exception cref="RedisCellException">A <c>REDIS_*</c> variable holds something it cannot mean; the message names it.</exception>
    public static CellLimiter Current => Volatile.Read(ref s_default) ?? CreateFromEnvironment();

    /// <summary>The limiter registered under <paramref name="name"/>; <see langword="null"/> or empty means <see cref="Current"/>.</summary>
    /// <exception cref="InvalidOperationException">No limiter was registered under <paramref name="name"/>.</exception>
    public static CellLimiter Get(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Current;
        if (Volatile.Read(ref s_named).TryGetValue(name, out CellLimiter? limiter)) return limiter;
        throw new InvalidOperationException(
            $"No rate limiter is registered under the name '{name}'. Register it at startup with SharedLimiter.Configure(\"{name}\", limiter) or services.AddRedisCell(\"{name}\", ...).");
    }

    /// <summary>Makes <paramref name="limiter"/> the default limiter and returns the previous one, which the caller that created it still owns.</summary>
    public static CellLimiter? Configure(CellLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        lock (s_lock) return SetUnlocked(null, limiter);
    }

    /// <summary>Registers <paramref name="limiter"/> under <paramref name="name"/> and returns the one it replaces, if any.</summary>
    public static CellLimiter? Configure(string name, CellLimiter limiter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(limiter);
        lock (s_lock) return SetUnlocked(name, limiter);
    }

    /// <summary>
    /// Puts <paramref name="limiter"/> in place (under <paramref name="name"/>, or as the default)
    /// until the returned lease is disposed: what a host does while it runs. When the lease ends and
    /// the limiter is still in place, the most recent other live lease's limiter takes over, else
    /// what was there before the first live lease. Hosts that start and stop in any order, as tests
    /// do, therefore never leave a stopped host's disposed limiter behind.
    /// </summary>
    internal static IDisposable LeaseFor(string? name, CellLimiter limiter)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        name = string.IsNullOrEmpty(name) ? null : name;
        lock (s_lock)
        {
            Lease? oldest = s_leases.Find(live => live.Name == name);
            var lease = new Lease(name, limiter, oldest is null ? CurrentUnlocked(name) : oldest.Before);
            s_leases = s_leases.Add(lease);
            SetUnlocked(name, limiter);
            return lease;
        }
    }

    /// <summary>A limiter that connected in the background takes the place of the one that stood for it, unless another was configured meanwhile.</summary>
    internal static void Promote(CellLimiter connecting, CellLimiter connected)
    {
        lock (s_lock)
        {
            if (ReferenceEquals(s_default, connecting)) Volatile.Write(ref s_default, connected);
        }
    }

    /// <summary>Sets the default limiter, nothing included, and returns what it was (for tests of the first use).</summary>
    internal static CellLimiter? Exchange(CellLimiter? limiter)
    {
        lock (s_lock) return SetUnlocked(null, limiter);
    }

    private static CellLimiter CreateFromEnvironment()
    {
        lock (s_lock)
        {
            if (s_default is null) Volatile.Write(ref s_default, EnvironmentLimiter.Create());
            return s_default!;
        }
    }

    private static void End(Lease lease)
    {
        lock (s_lock)
        {
            if (!s_leases.Contains(lease)) return;
            s_leases = s_leases.Remove(lease);

            // Someone configured another limiter since this lease began: theirs stays.
            if (!ReferenceEquals(CurrentUnlocked(lease.Name), lease.Limiter)) return;
            Lease? latest = s_leases.FindLast(live => live.Name == lease.Name);
            SetUnlocked(lease.Name, latest?.Limiter ?? lease.Before);
        }
    }

    private static CellLimiter? CurrentUnlocked(string? name) =>
        name is null ? s_default : s_named.GetValueOrDefault(name);

    private static CellLimiter? SetUnlocked(string? name, CellLimiter? limiter)
    {
        CellLimiter? previous = CurrentUnlocked(name);
        if (name is null) Volatile.Write(ref s_default, limiter);
        else Volatile.Write(ref s_named, limiter is null ? s_named.Remove(name) : s_named.SetItem(name, limiter));
        return previous;
    }

    // One host's claim on a place in the registry; see LeaseFor.
    private sealed class Lease(string? name, CellLimiter limiter, CellLimiter? before) : IDisposable
    {
        public string? Name { get; } = name;
        public CellLimiter Limiter { get; } = limiter;
        public CellLimiter? Before { get; } = before;

        public void Dispose() => End(this);
    }
}
