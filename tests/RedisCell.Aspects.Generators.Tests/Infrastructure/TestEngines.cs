using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Garnet;
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

namespace RedisCell.Aspects.Generators.Tests.Infrastructure;

/// <summary>
/// The limiters behaviour tests point <see cref="RedisCell.Aspects.SharedLimiter.Current"/> at: in-process on a fake
/// clock, Garnet hosted in this process, and redis-server when it is installed.
/// </summary>
public static class TestEngines
{
    public const string InProcess = "InProcess";
    public const string Garnet = "Garnet";
    public const string Redis = "Redis";

    private static readonly Lazy<EmbeddedGarnetServer> s_garnet = new(() => EmbeddedGarnetServer.Start());
    private static readonly Lazy<Task<RedisServerProcess>> s_redis = new(() => RedisServerProcess.StartAsync());

    static TestEngines()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (s_redis.IsValueCreated && s_redis.Value.IsCompletedSuccessfully) s_redis.Value.Result.DisposeAsync().AsTask().Wait();
            if (s_garnet.IsValueCreated) s_garnet.Value.Dispose();
        };
    }

    /// <summary>Theory data: the in-process limiter, Garnet, and redis-server when installed.</summary>
    public static TheoryData<string> Engines()
    {
        var data = new TheoryData<string> { InProcess, Garnet };
        if (RedisServerProcess.IsInstalled) data.Add(Redis);
        return data;
    }

    /// <summary>
    /// Makes a new limiter for <paramref name="engine"/> the shared one, with a key prefix of its
    /// own so runs never see each other's state. <paramref name="clock"/> drives the in-process limiter.
    /// </summary>
    public static async Task<CellLimiter> ConfigureAsync(string engine, FakeTimeProvider clock)
    {
        // Failing closed with a generous timeout: a slow machine must fail a test, never let a call through.
        var options = new RedisCellOptions
        {
            KeyPrefix = $"gen:{Guid.NewGuid():N}:",
            TimeProvider = clock,
            Failure = { Mode = FailureMode.FailClosed, Timeout = TimeSpan.FromSeconds(30) },
        };
        CellLimiter limiter = engine switch
        {
            InProcess => new InProcessCellLimiter(clock),
            Garnet => new RedisCellLimiter(await ConnectAsync(s_garnet.Value.Configuration), options),
            Redis => new RedisCellLimiter(await ConnectAsync((await s_redis.Value).Configuration), options),
            _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, null),
        };
        SharedLimiter.Configure(limiter);
        return limiter;
    }

    private static readonly Dictionary<string, Task<ConnectionMultiplexer>> s_connections = [];

    private static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        lock (s_connections)
        {
            if (!s_connections.TryGetValue(configuration, out Task<ConnectionMultiplexer>? connection))
            {
                var options = ConfigurationOptions.Parse(configuration);
                options.AbortOnConnectFail = true;
                options.SyncTimeout = 10_000;
                options.AsyncTimeout = 10_000;
                connection = ConnectionMultiplexer.ConnectAsync(options);
                s_connections[configuration] = connection;
            }

            return connection;
        }
    }
}

/// <summary>Behaviour tests change the process-wide shared limiter, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedLimiterCollection
{
    public const string Name = "Shared limiter";
}
