using System;
using System.Linq;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>Where a registered limiter keeps its state, in the order <see cref="RedisCellConnectionOptions"/> documents.</summary>
internal enum StoreSource
{
    None,
    InProcess,
    ConnectionFactory,
    Connection,
    KeyedMultiplexer,
    Multiplexer,
    Environment,
}

/// <summary>Creates the limiter a name was registered with.</summary>
internal static class LimiterFactory
{
    public static string DisplayName(string name) => name.Length == 0 ? "(default)" : $"'{name}'";

    public static StoreSource Choose(IServiceProvider provider, string name, RedisCellConnectionOptions store)
    {
        if (store.InProcess) return StoreSource.InProcess;
        if (store.ConnectionFactory is not null) return StoreSource.ConnectionFactory;
        if (!string.IsNullOrWhiteSpace(store.Connection)) return StoreSource.Connection;
        if (name.Length > 0 && provider.GetService<IServiceProviderIsKeyedService>() is { } keyed
            && keyed.IsKeyedService(typeof(IConnectionMultiplexer), name))
        {
            return StoreSource.KeyedMultiplexer;
        }

        if (provider.GetService<IServiceProviderIsService>() is { } services && services.IsService(typeof(IConnectionMultiplexer)))
        {
            return StoreSource.Multiplexer;
        }

        return EnvironmentConnection.IsSet() ? StoreSource.Environment : StoreSource.None;
    }

    public static CellLimiter Create(IServiceProvider provider, string name)
    {
        RedisCellOptions options = provider.GetRequiredService<IOptionsMonitor<RedisCellOptions>>().Get(name);
        RedisCellConnectionOptions store = provider.GetRequiredService<IOptionsMonitor<RedisCellConnectionOptions>>().Get(name);
        ILogger logger = options.LoggerFactory.CreateLogger("RedisCell.Aspects");
        string display = DisplayName(name);

        switch (Choose(provider, name, store))
        {
            case StoreSource.InProcess:
                Log.LimiterInProcess(logger, display);
                return new InProcessCellLimiter(options.TimeProvider);
            case StoreSource.ConnectionFactory:
                Log.LimiterUsesApplicationConnection(logger, display, "ConnectionFactory", options.KeyPrefix);
                return new RedisCellLimiter(store.ConnectionFactory!(provider), options);
            case StoreSource.Connection:
                return Connect(logger, display, RedisConnectionString.Parse(store.Connection!), options);
            case StoreSource.KeyedMultiplexer:
                Log.LimiterUsesApplicationConnection(logger, display, $"IConnectionMultiplexer with service key '{name}'", options.KeyPrefix);
                return new RedisCellLimiter(provider.GetRequiredKeyedService<IConnectionMultiplexer>(name), options);
            case StoreSource.Multiplexer:
                Log.LimiterUsesApplicationConnection(logger, display, "registered IConnectionMultiplexer", options.KeyPrefix);
                return new RedisCellLimiter(provider.GetRequiredService<IConnectionMultiplexer>(), options);
            case StoreSource.Environment:
                return Connect(logger, display, EnvironmentConnection.Read()!, options);
            default:
                throw new InvalidOperationException(RedisCellOptionsValidator.NoStoreMessage(name));
        }
    }

    private static RedisCellLimiter Connect(ILogger logger, string display, ConfigurationOptions connection, RedisCellOptions options)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            // Only the endpoints: the connection string may hold a password.
            Log.LimiterConnecting(logger, display, string.Join(", ", connection.EndPoints.Select(Format)), options.KeyPrefix);
        }

        return RedisCellLimiter.Connect(connection, options);
    }

    private static string Format(EndPoint endpoint) => endpoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "?";
}
