using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects;

/// <summary>What <see cref="SharedLimiter.Current"/> is when nothing was configured: the Redis at <c>REDIS_URL</c>, or this process.</summary>
internal static class EnvironmentLimiter
{
    /// <summary>
    /// A limiter for <paramref name="redisUrl"/> that connects in the background (a malformed URL
    /// throws here, at once), or without one, an in-process limiter and one warning that says so.
    /// </summary>
    public static CellLimiter Create(string? redisUrl, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        if (!string.IsNullOrWhiteSpace(redisUrl))
        {
            return new ConnectingLimiter(RedisConnectionString.Parse(redisUrl), new RedisCellOptions { LoggerFactory = loggers });
        }

        ILogger logger = loggers.CreateLogger("RedisCell.Aspects");
        if (logger.IsEnabled(LogLevel.Warning))
        {
            Log.NoLimiterConfigured(logger);
        }
        else
        {
            // Nobody configured logging; a silent per-process limit would be a surprise in production.
            Console.Error.WriteLine("warn: RedisCell.Aspects: " + Log.NoLimiterConfiguredMessage);
        }

        return new InProcessCellLimiter();
    }
}
