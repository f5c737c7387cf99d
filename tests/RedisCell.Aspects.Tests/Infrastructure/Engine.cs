using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// The servers the Redis suites run on: Garnet (hosted in-process, always) and Debian's
/// redis-server (a child process, when installed; CI installs it). Each theory over
/// <see cref="All"/> runs once per available engine.
/// </summary>
public static class Engine
{
    public const string Garnet = "Garnet";
    public const string Redis = "Redis";

    private static readonly Lazy<GarnetHost> s_garnet = new(() => GarnetHost.Start());
    private static readonly Lazy<Task<RedisServerProcess>> s_redis = new(() => RedisServerProcess.StartAsync());
    private static readonly Dictionary<string, Lazy<Task<ConnectionMultiplexer>>> s_connections = new()
    {
        [Garnet] = new(() => ConnectAsync(s_garnet.Value.Configuration)),
        [Redis] = new(async () => await ConnectAsync((await s_redis.Value).Configuration)),
    };

    static Engine()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (s_redis.IsValueCreated && s_redis.Value.IsCompletedSuccessfully) s_redis.Value.Result.DisposeAsync().AsTask().Wait();
            if (s_garnet.IsValueCreated) s_garnet.Value.Dispose();
        };
    }

    /// <summary>The engines available on this machine.</summary>
    public static IReadOnlyList<string> Available { get; } =
        RedisServerProcess.IsInstalled ? [Garnet, Redis] : [Garnet];

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

    /// <summary>The shared connection to <paramref name="engine"/>, starting the server on first use.</summary>
    public static Task<ConnectionMultiplexer> ConnectionAsync(string engine) => s_connections[engine].Value;

    /// <summary>The running redis-server process (for tests that need its port).</summary>
    public static Task<RedisServerProcess> RedisServerAsync() => s_redis.Value;

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix(string test) => $"t:{test}:{Guid.NewGuid():N}:";

    private static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.SyncTimeout = 10_000;
        options.AsyncTimeout = 10_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
