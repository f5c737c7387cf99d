using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisCell.Aspects.DenyCache;
using RedisCell.Aspects.Resilience;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Settings of a <see cref="RedisCellLimiter"/>: where its state lives and how it is read, with
/// <see cref="Failure"/> (what happens when Redis cannot decide) and <see cref="DenyCache"/>
/// (refusals repeated in process) grouped apart. Bound from the <c>RedisCell</c> configuration
/// section by <c>services.AddRedisCell()</c> (<c>docs/configuration.md</c>).
/// </summary>
public sealed class RedisCellOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "rc:";

    /// <summary>The default <see cref="ConnectTimeout"/>: 2 s.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The default <see cref="MaxDecisionsPerBatch"/>: 64.</summary>
    public const int DefaultMaxDecisionsPerBatch = 64;

    /// <summary>
    /// Prepended to every key in the store. Set it to the empty string to share keys with code that
    /// calls redis-cell's <c>CL.THROTTLE</c> directly. It cannot contain braces, which would
    /// change which Redis Cluster slot keys land in.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>
    /// How long connecting may take, from 1 ms to 1 minute (default 2 s): the connect attempt of a
    /// connection the limiter opens, and how long the first decisions of the limiter
    /// <c>REDIS_URL</c> configures wait for it before the failure mode answers. A
    /// <c>connectTimeout</c> in the connection string wins.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>The Redis logical database; -1 for the connection's default.</summary>
    public int Database { get; set; } = -1;

    /// <summary>
    /// Which clock GCRA reads. <see cref="ClockSource.Server"/> (the default) reads the Redis
    /// server's <c>TIME</c> inside the script, so every client agrees; use
    /// <see cref="ClockSource.Client"/> for servers that refuse <c>TIME</c> in scripts.
    /// </summary>
    public ClockSource Clock { get; set; } = ClockSource.Server;

    /// <summary>The clock of GCRA when <see cref="Clock"/> is <see cref="ClockSource.Client"/>, and of the failure policy's in-process twin.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// How many asynchronous decisions may go to Redis as one script (default 64, up to 1024; 1
    /// sends every decision on its own). Only decisions that arrive while earlier ones are at the
    /// server are queued; each is still decided exactly as if alone (<c>docs/design/batching.md</c>).
    /// </summary>
    public int MaxDecisionsPerBatch { get; set; } = DefaultMaxDecisionsPerBatch;

    /// <summary>
    /// Whether and how GCRA decisions use redis-cell's own <c>CL.THROTTLE</c> where the module is
    /// loaded on every primary (and <see cref="Clock"/> is the server's): <see cref="RedisCellModuleUse.Guarded"/>
    /// (the default), <see cref="RedisCellModuleUse.Direct"/> or <see cref="RedisCellModuleUse.Never"/>.
    /// The stored state is the same either way.
    /// </summary>
    public RedisCellModuleUse RedisCellModule { get; set; } = RedisCellModuleUse.Guarded;

    /// <summary>Where the limiter logs.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>What a decision does when Redis cannot make it in time.</summary>
    public FailureOptions Failure { get; set; } = new();

    /// <summary>The cache of refusals Redis already gave, repeated in process.</summary>
    public DenyCacheOptions DenyCache { get; set; } = new();

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with what is wrong.</summary>
    public void Validate()
    {
        if (KeyPrefix is null) throw new ArgumentException("KeyPrefix cannot be null; use the empty string for no prefix.", nameof(KeyPrefix));
        if (KeyPrefix.IndexOfAny(['{', '}']) >= 0)
        {
            throw new ArgumentException($"KeyPrefix '{KeyPrefix}' contains a brace; a prefix must not choose the Redis Cluster slot of every key.", nameof(KeyPrefix));
        }

        if (ConnectTimeout < TimeSpan.FromMilliseconds(1) || ConnectTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"ConnectTimeout {ConnectTimeout} must be from 1 ms to 1 minute.", nameof(ConnectTimeout));
        }

        if (Database < -1) throw new ArgumentException($"Database {Database} is not a database index.", nameof(Database));
        if (!Enum.IsDefined(Clock)) throw new ArgumentException($"Clock {Clock} is not a ClockSource.", nameof(Clock));
        if (!Enum.IsDefined(RedisCellModule)) throw new ArgumentException($"RedisCellModule {RedisCellModule} is not a RedisCellModuleUse.", nameof(RedisCellModule));
        if (TimeProvider is null) throw new ArgumentException("TimeProvider cannot be null.", nameof(TimeProvider));
        if (LoggerFactory is null) throw new ArgumentException("LoggerFactory cannot be null.", nameof(LoggerFactory));
        if (MaxDecisionsPerBatch < 1 || MaxDecisionsPerBatch > 1024)
        {
            throw new ArgumentException($"MaxDecisionsPerBatch {MaxDecisionsPerBatch} must be from 1 (every decision sent alone) to 1024.", nameof(MaxDecisionsPerBatch));
        }

        if (Failure is null) throw new ArgumentException("Failure cannot be null.", nameof(Failure));
        if (DenyCache is null) throw new ArgumentException("DenyCache cannot be null.", nameof(DenyCache));
        Validate(nameof(Failure), Failure.Validate);
        Validate(nameof(DenyCache), DenyCache.Validate);
    }

    // A group's problem names the setting by its path from here, such as Failure.Timeout.
    private static void Validate(string group, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException ex) when (ex.ParamName is not null)
        {
            throw new ArgumentException(ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal), $"{group}.{ex.ParamName}", ex);
        }
    }

    /// <summary>A validated copy of <paramref name="options"/> (or of the defaults): a limiter keeps its own.</summary>
    internal static RedisCellOptions Checked(RedisCellOptions? options)
    {
        RedisCellOptions copy = options?.Clone() ?? new RedisCellOptions();
        copy.Validate();
        return copy;
    }

    internal RedisCellOptions Clone()
    {
        var copy = (RedisCellOptions)MemberwiseClone();
        copy.Failure = Failure?.Clone()!;
        copy.DenyCache = DenyCache?.Clone()!;
        return copy;
    }
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

/// <summary>How a <see cref="RedisCellLimiter"/> uses redis-cell's module where it is loaded (<c>docs/design/engines.md</c>).</summary>
public enum RedisCellModuleUse
{
    /// <summary>
    /// GCRA decisions are made by <c>CL.THROTTLE</c>, called from the library's script after it has
    /// checked that the key holds GCRA state (the module takes the server down on anything else).
    /// Every guarantee of the script path holds: exact durations, the deny cache, batching.
    /// </summary>
    Guarded = 0,

    /// <summary>
    /// GCRA decisions are the bare <c>CL.THROTTLE</c> command: the cheapest decision there is. A key
    /// under the prefix holding anything but GCRA state crashes the server, durations are the
    /// module's whole seconds (rounded up), and the deny cache is not used. Choose it only when
    /// nothing else writes under <see cref="RedisCellOptions.KeyPrefix"/>.
    /// </summary>
    Direct = 1,

    /// <summary>The module is not used: the library's scripts decide everywhere.</summary>
    Never = 2,
}
