using System;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.Telemetry;

// Messages of the hosting integration (dependency injection, the shared limiter, RateLimiter
// adapters): EventIds 100-199. The runtime's own messages use 1-99.
internal static partial class Log
{
    [LoggerMessage(EventId = 100, EventName = "SharedLimiterConfigured", Level = LogLevel.Information,
        Message = "Rate limiter {LimiterName} ({Store}) is the shared limiter that generated code calls while the host runs.")]
    public static partial void SharedLimiterConfigured(ILogger logger, string limiterName, string store);

    [LoggerMessage(EventId = 101, EventName = "SharedLimiterReleased", Level = LogLevel.Debug,
        Message = "Rate limiter {LimiterName} is no longer the shared limiter: the host stopped.")]
    public static partial void SharedLimiterReleased(ILogger logger, string limiterName);

    [LoggerMessage(EventId = 102, EventName = "LimiterConnecting", Level = LogLevel.Information,
        Message = "Rate limiter {LimiterName} connects to Redis at {Endpoints} with key prefix '{KeyPrefix}'.")]
    public static partial void LimiterConnecting(ILogger logger, string limiterName, string endpoints, string keyPrefix);

    [LoggerMessage(EventId = 103, EventName = "LimiterUsesApplicationConnection", Level = LogLevel.Information,
        Message = "Rate limiter {LimiterName} uses the application's Redis connection ({Source}) with key prefix '{KeyPrefix}'.")]
    public static partial void LimiterUsesApplicationConnection(ILogger logger, string limiterName, string source, string keyPrefix);

    [LoggerMessage(EventId = 104, EventName = "LimiterInProcess", Level = LogLevel.Warning,
        Message = "Rate limiter {LimiterName} keeps its limits in this process (InProcess is set): each instance of the application allows the full limit.")]
    public static partial void LimiterInProcess(ILogger logger, string limiterName);

    /// <summary>The text of <see cref="NoLimiterConfigured"/>, also written to stderr when nobody configured logging.</summary>
    public const string NoLimiterConfiguredMessage =
        "Neither REDIS_URL nor REDIS_HOST is set and no limiter was configured: rate limits are kept in this process only, so each process allows the full limit.";

    [LoggerMessage(EventId = 105, EventName = "NoLimiterConfigured", Level = LogLevel.Warning, Message = NoLimiterConfiguredMessage)]
    public static partial void NoLimiterConfigured(ILogger logger);
}
