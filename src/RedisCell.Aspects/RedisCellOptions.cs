using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RedisCell.Aspects;

/// <summary>Settings shared by every <see cref="CellLimiter"/>.</summary>
public sealed class RedisCellOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "rc:";

    /// <summary>
    /// Prepended to every key in the store. Set it to the empty string to share keys with code that
    /// calls redis-cell's <c>CL.THROTTLE</c> directly. It cannot contain braces, which would
    /// change which Redis Cluster slot keys land in.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>
    /// Which clock GCRA reads. <see cref="ClockSource.Server"/> (the default) reads the Redis
    /// server's <c>TIME</c> inside the script, so every client agrees; use
    /// <see cref="ClockSource.Client"/> for servers that refuse <c>TIME</c> in scripts.
    /// </summary>
    public ClockSource Clock { get; set; } = ClockSource.Server;

    /// <summary>The clock of the in-process limiter, and of GCRA when <see cref="Clock"/> is <see cref="ClockSource.Client"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The default <see cref="Timeout"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The default <see cref="BreakDuration"/>: 250 ms.</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromMilliseconds(250);

    /// <summary>The default <see cref="FailureLogInterval"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultFailureLogInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What to do when the store cannot decide in time: allow the call
    /// (<see cref="RateLimiterFailurePolicy.FailOpen"/>, the default), refuse it with
    /// <see cref="RateLimiterUnavailableException"/>, or decide it in this process
    /// (<see cref="RateLimiterFailurePolicy.Local"/>). A policy's own
    /// <see cref="RateLimitPolicy.FailurePolicy"/> overrides it.
    /// </summary>
    public RateLimiterFailurePolicy FailurePolicy { get; set; } = RateLimiterFailurePolicy.FailOpen;

    /// <summary>
    /// The longest a decision waits for the store, from 1 ms to 1 hour (default 100 ms). Past it
    /// the call follows the failure policy, whatever StackExchange.Redis's own timeouts are: the
    /// asynchronous methods stop waiting, and the synchronous ones run on a connection whose
    /// <c>SyncTimeout</c> is this value (see <see cref="RedisCellLimiter"/>).
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// How many failed decisions in a row open the circuit breaker (default 3, at least 1). While
    /// it is open no call waits for the store: each follows the failure policy at once, and one
    /// call per <see cref="BreakDuration"/> probes the store, closing the circuit when it answers.
    /// </summary>
    public int BreakAfterFailures { get; set; } = 3;

    /// <summary>
    /// How long the circuit breaker stays open before one call probes the store again, from 1 ms
    /// to 1 hour (default 250 ms). While the connection itself reports no server, probing costs
    /// nothing and the first call after it reconnects probes at once.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = DefaultBreakDuration;

    /// <summary>
    /// The share of each limit this process allows on its own while the store is unavailable and
    /// the failure policy is <see cref="RateLimiterFailurePolicy.Local"/>: greater than 0 and at
    /// most 1 (the default, the whole limit in every process). With <c>n</c> processes behind one
    /// limit, <c>1.0 / n</c> keeps their total near the limit. A GCRA policy keeps
    /// <c>floor(share * (max_burst + 1))</c> of its burst and <c>share</c> of its rate; a fixed
    /// window keeps <c>floor(share * limit)</c> per window; never less than one request.
    /// </summary>
    public double LocalShare { get; set; } = 1.0;

    /// <summary>
    /// The least time between two log entries about decisions the store could not make (default
    /// 30 s; zero logs every one). Each entry says how many decisions followed the failure policy
    /// since the previous one. Metrics count every one.
    /// </summary>
    public TimeSpan FailureLogInterval { get; set; } = DefaultFailureLogInterval;

    /// <summary>The default <see cref="LocalDenyCacheCapacity"/>: 4096 keys.</summary>
    public const int DefaultLocalDenyCacheCapacity = 4096;

    /// <summary>
    /// How many keys <see cref="RedisCellLimiter"/> remembers refusals for (default 4096; 0 turns the
    /// cache off). Once Redis has said a key is limited until an instant, later calls for that key
    /// with the same policy are refused in this process until then, without a round trip: nothing
    /// makes a limited key less limited before that instant except a reset. A reset through this
    /// limiter forgets the key at once; a reset anywhere else (another limiter instance or process, a
    /// plain <c>DEL</c>) is seen only after that instant, at most the refusal's retry-after: set 0
    /// where such a reset must take effect at once. Memory is bounded: one slot per key, at most this many.
    /// See <c>docs/benchmarks.md#local-deny-cache</c>.
    /// </summary>
    public int LocalDenyCacheCapacity { get; set; } = DefaultLocalDenyCacheCapacity;

    /// <summary>The default <see cref="MaxDecisionsPerBatch"/>: 64.</summary>
    public const int DefaultMaxDecisionsPerBatch = 64;

    /// <summary>
    /// How many asynchronous decisions <see cref="RedisCellLimiter"/> may send to Redis as one script
    /// (default 64; 1 sends every decision on its own). Decisions that arrive while earlier ones are
    /// still at the server are queued and sent together; each is decided and written in turn, exactly
    /// as if it had been sent alone at that instant, and fails or succeeds alone. Nothing waits to
    /// fill a batch, so a lone caller's decision is sent at once. Under concurrency this roughly
    /// halves the server's time per decision and the client's allocations. Synchronous decisions and
    /// multi-rule checks are always sent on their own. See <c>docs/benchmarks.md#batching</c>.
    /// </summary>
    public int MaxDecisionsPerBatch { get; set; } = DefaultMaxDecisionsPerBatch;

    /// <summary>
    /// Whether and how GCRA decisions use redis-cell's own <c>CL.THROTTLE</c> where the module is
    /// loaded: <see cref="RedisCellModuleUse.Guarded"/> (the default),
    /// <see cref="RedisCellModuleUse.Direct"/> or <see cref="RedisCellModuleUse.Never"/>.
    /// <see cref="RedisCellLimiter.WarmUpAsync"/> looks for it on every primary server
    /// (<c>COMMAND INFO cl.throttle</c>); it is used when all have it and <see cref="Clock"/> is
    /// <see cref="ClockSource.Server"/>. The stored state is the same either way, so limiters with
    /// different settings share keys. Multi-rule checks and fixed windows always run the library's scripts.
    /// </summary>
    public RedisCellModuleUse RedisCellModule { get; set; } = RedisCellModuleUse.Guarded;

    /// <summary>The Redis logical database; -1 for the connection's default.</summary>
    public int Database { get; set; } = -1;

    /// <summary>Where the limiter logs.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with what is wrong.</summary>
    public void Validate()
    {
        if (KeyPrefix is null) throw new ArgumentException("KeyPrefix cannot be null; use the empty string for no prefix.", nameof(KeyPrefix));
        if (KeyPrefix.IndexOfAny(['{', '}']) >= 0)
        {
            throw new ArgumentException($"KeyPrefix '{KeyPrefix}' contains a brace; a prefix must not choose the Redis Cluster slot of every key.", nameof(KeyPrefix));
        }

        if (!Enum.IsDefined(Clock)) throw new ArgumentException($"Clock {Clock} is not a ClockSource.", nameof(Clock));
        if (!Enum.IsDefined(RedisCellModule)) throw new ArgumentException($"RedisCellModule {RedisCellModule} is not a RedisCellModuleUse.", nameof(RedisCellModule));
        if (!Enum.IsDefined(FailurePolicy)) throw new ArgumentException($"FailurePolicy {FailurePolicy} is not a RateLimiterFailurePolicy.", nameof(FailurePolicy));
        if (TimeProvider is null) throw new ArgumentException("TimeProvider cannot be null.", nameof(TimeProvider));
        if (LoggerFactory is null) throw new ArgumentException("LoggerFactory cannot be null.", nameof(LoggerFactory));
        if (Database < -1) throw new ArgumentException($"Database {Database} is not a database index.", nameof(Database));
        if (Timeout < TimeSpan.FromMilliseconds(1) || Timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Timeout {Timeout} must be from 1 ms to 1 hour: it bounds how long a decision may wait for the store.", nameof(Timeout));
        }

        if (BreakAfterFailures < 1)
        {
            throw new ArgumentException($"BreakAfterFailures {BreakAfterFailures} must be at least 1: it is how many failed decisions in a row open the circuit.", nameof(BreakAfterFailures));
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(1) || BreakDuration > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"BreakDuration {BreakDuration} must be from 1 ms to 1 hour: it is how long the circuit stays open before probing the store.", nameof(BreakDuration));
        }

        if (MaxDecisionsPerBatch < 1 || MaxDecisionsPerBatch > 1024)
        {
            throw new ArgumentException($"MaxDecisionsPerBatch {MaxDecisionsPerBatch} must be from 1 (every decision sent alone) to 1024.", nameof(MaxDecisionsPerBatch));
        }

        if (LocalDenyCacheCapacity < 0 || LocalDenyCacheCapacity > 1 << 20)
        {
            throw new ArgumentException($"LocalDenyCacheCapacity {LocalDenyCacheCapacity} must be from 0 (off) to 1048576 keys.", nameof(LocalDenyCacheCapacity));
        }

        if (!(LocalShare > 0 && LocalShare <= 1))
        {
            throw new ArgumentException($"LocalShare {LocalShare} must be greater than 0 and at most 1: it is the share of each limit one process allows while the store is unavailable.", nameof(LocalShare));
        }

        if (FailureLogInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"FailureLogInterval {FailureLogInterval} cannot be negative.", nameof(FailureLogInterval));
        }
    }

    internal RedisCellOptions Clone() => (RedisCellOptions)MemberwiseClone();
}

/// <summary>The clock a GCRA decision is measured against.</summary>
public enum ClockSource
{
    /// <summary>The store's clock: Redis <c>TIME</c> inside the script. One clock for every client.</summary>
    Server = 0,

    /// <summary>
    /// This process's <see cref="RedisCellOptions.TimeProvider"/>, sent with each call. For servers
    /// that refuse <c>TIME</c> in scripts (ElastiCache Serverless); clients must keep their clocks in sync.
    /// </summary>
    Client = 1,
}

/// <summary>How a <see cref="RedisCellLimiter"/> uses redis-cell's module where it is loaded.</summary>
public enum RedisCellModuleUse
{
    /// <summary>
    /// GCRA decisions are made by <c>CL.THROTTLE</c>, called from the library's script after it has
    /// checked that the key holds GCRA state: the module takes the whole server down when a key holds
    /// anything else, the script answers <see cref="RedisCellException"/> and touches nothing. Every
    /// guarantee of the script path holds (exact durations, the local deny cache, batching); the
    /// server time per decision is about that of the script alone (see <c>docs/benchmarks.md</c>).
    /// </summary>
    Guarded = 0,

    /// <summary>
    /// GCRA decisions are the <c>CL.THROTTLE</c> command itself, with no script: the cheapest decision
    /// there is (a sixth to a tenth of the script's server time, measured with the tests' stand-in module). The price: a key under the prefix
    /// that holds anything but GCRA state crashes the server (the module's own behaviour), durations
    /// are the module's whole seconds (rounded up, so never early), and the local deny cache, which
    /// needs exact instants, is not used for these decisions. Choose it only when nothing else
    /// writes under <see cref="RedisCellOptions.KeyPrefix"/>.
    /// </summary>
    Direct = 1,

    /// <summary>The module is not used: the library's scripts decide everywhere.</summary>
    Never = 2,
}
