#if NET10_0_OR_GREATER
using RedisCell.Aspects.Garnet;
#endif
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>
/// The servers these tests run against: Garnet hosted in this process and Debian's redis-server as
/// a child process (when installed; CI installs it). Tests run one at a time: several of them make
/// a host's limiter the process-wide shared one.
/// </summary>
/// <remarks>
/// Garnet's package targets .NET 10 only, so the net8.0 build (which tests the packages' net8.0
/// assets) runs everything on redis-server: there <see cref="Default"/> is redis-server and the
/// second server another redis-server process.
/// </remarks>
public static class Servers
{
    public const string Garnet = "Garnet";
    public const string Redis = "Redis";

#if NET10_0_OR_GREATER
    /// <summary>The engine of tests that work on any: Garnet, in this process, so nothing needs installing.</summary>
    public const string Default = Garnet;

    private static readonly Lazy<EmbeddedGarnetServer> s_garnet = new(() => EmbeddedGarnetServer.Start());
    private static readonly Lazy<EmbeddedGarnetServer> s_second = new(() => EmbeddedGarnetServer.Start());
#else
    /// <summary>The engine of tests that work on any: redis-server, since Garnet cannot be hosted on this target.</summary>
    public const string Default = Redis;

    private static readonly Lazy<RedisServerProcess> s_second = new(() => RedisServerProcess.StartAsync().GetAwaiter().GetResult());
#endif
    private static readonly Lazy<Task<RedisServerProcess>> s_redis = new(() => RedisServerProcess.StartAsync());
    private static readonly Dictionary<string, Lazy<Task<ConnectionMultiplexer>>> s_connections = new()
    {
#if NET10_0_OR_GREATER
        [Garnet] = new(() => ConnectAsync(s_garnet.Value.Configuration)),
#endif
        [Redis] = new(async () => await ConnectAsync((await s_redis.Value).Configuration)),
    };

    static Servers()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (Lazy<Task<ConnectionMultiplexer>> connection in s_connections.Values)
            {
                if (connection.IsValueCreated && connection.Value.IsCompletedSuccessfully) connection.Value.Result.Dispose();
            }

            if (s_redis.IsValueCreated && s_redis.Value.IsCompletedSuccessfully) s_redis.Value.Result.DisposeAsync().AsTask().Wait();
#if NET10_0_OR_GREATER
            if (s_garnet.IsValueCreated) s_garnet.Value.Dispose();
            if (s_second.IsValueCreated) s_second.Value.Dispose();
#else
            if (s_second.IsValueCreated) s_second.Value.DisposeAsync().AsTask().Wait();
#endif
        };
    }

    /// <summary>The engines available on this machine.</summary>
#if NET10_0_OR_GREATER
    public static IReadOnlyList<string> Available { get; } = RedisServerProcess.IsInstalled ? [Garnet, Redis] : [Garnet];
#else
    public static IReadOnlyList<string> Available { get; } = [Redis];
#endif

    /// <summary>Theory data: one row per available engine.</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string engine in Available) data.Add(engine);
            return data;
        }
    }

    /// <summary>A StackExchange.Redis configuration string for the <see cref="Default"/> server.</summary>
#if NET10_0_OR_GREATER
    public static string DefaultConfiguration => s_garnet.Value.Configuration;
#else
    public static string DefaultConfiguration => s_redis.Value.GetAwaiter().GetResult().Configuration;
#endif

    /// <summary>A second, independent server of the same engine: for applications that talk to two.</summary>
    public static string SecondConfiguration => s_second.Value.Configuration;

    /// <summary>The shared connection to <paramref name="engine"/>, starting the server on first use.</summary>
    public static Task<ConnectionMultiplexer> ConnectionAsync(string engine) => s_connections[engine].Value;

    /// <summary>
    /// How long a decision may wait in tests that are not about failures. The library's default
    /// (100 ms) is a production budget; on a loaded two-core machine a call can take longer, and one
    /// that fell back on the failure policy would make a count silently wrong. Tests use FailClosed,
    /// so such a call fails loudly instead.
    /// </summary>
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Limiter options for tests that are not about failures: <see cref="TestTimeout"/>, FailClosed.</summary>
    public static RedisCellOptions Options(string keyPrefix) => new()
    {
        KeyPrefix = keyPrefix,
        Failure = { Timeout = TestTimeout, Mode = FailureMode.FailClosed },
    };

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix(string test) => $"eco:{test}:{Guid.NewGuid():N}:";

    public static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.SyncTimeout = 10_000;
        options.AsyncTimeout = 10_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
