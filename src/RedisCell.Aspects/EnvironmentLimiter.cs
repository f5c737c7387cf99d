using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects;

/// <summary>What <see cref="SharedLimiter.Current"/> is when nothing was configured: the Redis the environment names, or this process.</summary>
internal static class EnvironmentLimiter
{
    /// <summary>
    /// A limiter for the Redis the environment names (<see cref="EnvironmentConnection"/>), which
    /// connects in the background while its first decisions wait for it, bounded; or, when none is
    /// named, an in-process limiter and one warning that says so.
    /// </summary>
    /// <exception cref="RedisCellException">A variable holds something it cannot mean; the message names it.</exception>
    public static CellLimiter Create(Func<string, string?>? variables = null, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        ConfigurationOptions? configuration = EnvironmentConnection.Read(variables);
        if (configuration is not null) return new ConnectingLimiter(configuration, new RedisCellOptions { LoggerFactory = loggers });

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
