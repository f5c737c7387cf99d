using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>
/// The servers these tests run against: Garnet hosted in this process (always) and Debian's
/// redis-server as a child process (when installed; CI installs it). Tests run one at a time:
/// several of them make a host's limiter the process-wide shared one.
/// </summary>
public static class Servers
{
    public const string Garnet = "Garnet";
    public const string Redis = "Redis";

    private static readonly Lazy<GarnetHost> s_garnet = new(() => GarnetHost.Start());
    private static readonly Lazy<GarnetHost> s_secondGarnet = new(() => GarnetHost.Start());
    private static readonly Lazy<Task<RedisServerProcess>> s_redis = new(() => RedisServerProcess.StartAsync());
    private static readonly Dictionary<string, Lazy<Task<ConnectionMultiplexer>>> s_connections = new()
    {
        [Garnet] = new(() => ConnectAsync(s_garnet.Value.Configuration)),
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
            if (s_garnet.IsValueCreated) s_garnet.Value.Dispose();
            if (s_secondGarnet.IsValueCreated) s_secondGarnet.Value.Dispose();
        };
    }

    /// <summary>The engines available on this machine.</summary>
    public static IReadOnlyList<string> Available { get; } = RedisServerProcess.IsInstalled ? [Garnet, Redis] : [Garnet];

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

    /// <summary>A StackExchange.Redis configuration string for the in-process Garnet.</summary>
    public static string GarnetConfiguration => s_garnet.Value.Configuration;

    /// <summary>A second, independent Garnet: for applications that talk to two Redis servers.</summary>
    public static string SecondGarnetConfiguration => s_secondGarnet.Value.Configuration;

    /// <summary>The shared connection to <paramref name="engine"/>, starting the server on first use.</summary>
    public static Task<ConnectionMultiplexer> ConnectionAsync(string engine) => s_connections[engine].Value;

    /// <summary>The redis-server child process; fails (never skips) when redis-server is not installed.</summary>
    public static Task<RedisServerProcess> RedisServerAsync() => s_redis.Value;

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
        Timeout = TestTimeout,
        FailurePolicy = RateLimiterFailurePolicy.FailClosed,
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
