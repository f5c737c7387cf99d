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

    /// <summary>What to do when the store cannot decide in time.</summary>
    public RateLimiterFailurePolicy FailurePolicy { get; set; } = RateLimiterFailurePolicy.FailOpen;

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
        if (!Enum.IsDefined(FailurePolicy)) throw new ArgumentException($"FailurePolicy {FailurePolicy} is not a RateLimiterFailurePolicy.", nameof(FailurePolicy));
        if (TimeProvider is null) throw new ArgumentException("TimeProvider cannot be null.", nameof(TimeProvider));
        if (LoggerFactory is null) throw new ArgumentException("LoggerFactory cannot be null.", nameof(LoggerFactory));
        if (Database < -1) throw new ArgumentException($"Database {Database} is not a database index.", nameof(Database));
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
