using RedisCell.Aspects.Garnet;
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// The servers the Redis suites run on: Garnet (hosted in-process, always), Debian's redis-server
/// (a child process, when installed; CI installs it) and a local three-master Redis Cluster (when
/// redis-server and redis-cli are installed). Each theory over <see cref="All"/> runs once per
/// available engine.
/// </summary>
public static class Engine
{
    public const string Garnet = "Garnet";
    public const string Redis = "Redis";
    public const string Cluster = "Cluster";

    /// <summary>
    /// redis-server with a CL.THROTTLE module loaded (the stand-in for redis-cell, see
    /// <see cref="ClThrottleStandIn"/>), where a warmed-up limiter decides GCRA through the module.
    /// Not among <see cref="Available"/>: the suites that run on it ask for it (<see cref="WithModule"/>).
    /// </summary>
    public const string RedisModule = "Redis+module";

    /// <summary>
    /// How long a decision may wait in suites that are not about failures. The library's default
    /// (100 ms) is a production budget; on a loaded two-core machine a test's call can take longer,
    /// and a call that fell back on the failure policy would make a count test flaky. Suites use
    /// FailClosed, so any such call is an exception rather than a silently wrong count.
    /// </summary>
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<EmbeddedGarnetServer> s_garnet = new(() => EmbeddedGarnetServer.Start());
    private static readonly Lazy<Task<RedisServerProcess>> s_redis = new(() => RedisServerProcess.StartAsync());
    private static readonly Lazy<Task<RedisClusterProcess>> s_cluster = new(RedisClusterProcess.StartAsync);
    private static readonly Lazy<Task<RedisServerProcess>> s_redisModule = new(ClThrottleStandIn.StartServerAsync);
    private static readonly Dictionary<string, Lazy<Task<ConnectionMultiplexer>>> s_connections = new()
    {
        [Garnet] = new(() => ConnectAsync(s_garnet.Value.Configuration)),
        [Redis] = new(async () => await ConnectAsync((await s_redis.Value).Configuration)),
        [Cluster] = new(async () => await ConnectAsync((await s_cluster.Value).Configuration)),
        [RedisModule] = new(async () => await ConnectAsync((await s_redisModule.Value).Configuration)),
    };

    static Engine()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // The test host may end this handler early: signal every server before waiting for any.
            RedisClusterProcess? cluster = s_cluster.IsValueCreated && s_cluster.Value.IsCompletedSuccessfully ? s_cluster.Value.Result : null;
            RedisServerProcess? redis = s_redis.IsValueCreated && s_redis.Value.IsCompletedSuccessfully ? s_redis.Value.Result : null;
            RedisServerProcess? redisModule = s_redisModule.IsValueCreated && s_redisModule.Value.IsCompletedSuccessfully ? s_redisModule.Value.Result : null;
            cluster?.Signal();
            redis?.Signal();
            redisModule?.Signal();
            cluster?.DisposeAsync().AsTask().Wait();
            redis?.DisposeAsync().AsTask().Wait();
            redisModule?.DisposeAsync().AsTask().Wait();
            if (s_garnet.IsValueCreated) s_garnet.Value.Dispose();
        };
    }

    /// <summary>
    /// Set to <c>1</c> (.ci/run does) to make a missing redis-server or redis-cli fail the suite
    /// instead of leaving it to Garnet alone: CI must not pass without the engines it promises.
    /// </summary>
    public const string RequireRedisVariable = "REDISCELL_REQUIRE_REDIS";

    /// <summary>True when <see cref="RequireRedisVariable"/> is <c>1</c>.</summary>
    public static bool RedisRequired { get; } = Environment.GetEnvironmentVariable(RequireRedisVariable) == "1";

    /// <summary>
    /// The engines available on this machine; every engine when they are required, so that each
    /// Redis and cluster row then fails saying what is not installed.
    /// </summary>
    public static IReadOnlyList<string> Available { get; } =
        RedisClusterProcess.IsInstalled || RedisRequired ? [Garnet, Redis, Cluster]
        : RedisServerProcess.IsInstalled ? [Garnet, Redis]
        : [Garnet];

    /// <summary><see cref="Available"/>, and <see cref="RedisModule"/> when a C compiler is there to build the stand-in (CI installs one).</summary>
    public static IReadOnlyList<string> WithModule { get; } =
        ClThrottleStandIn.IsAvailable ? [.. Available, RedisModule] : Available;

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

    /// <summary>
    /// A limiter on <paramref name="engine"/>, warmed up as <c>RedisCellLimiter.Connect</c> and
    /// <c>AddRedisCell</c> do, so that on <see cref="RedisModule"/> it has found the module.
    /// </summary>
    public static async Task<RedisCellLimiter> LimiterAsync(string engine, RedisCellOptions options)
    {
        var limiter = new RedisCellLimiter(await ConnectionAsync(engine), options);
        await limiter.WarmUpAsync();
        return limiter;
    }

    /// <summary>The running redis-server with the CL.THROTTLE stand-in loaded.</summary>
    public static Task<RedisServerProcess> RedisModuleServerAsync() => s_redisModule.Value;

    /// <summary>The running redis-server process (for tests that need its port).</summary>
    public static Task<RedisServerProcess> RedisServerAsync() => s_redis.Value;

    /// <summary>The running cluster (for tests that need its nodes).</summary>
    public static Task<RedisClusterProcess> ClusterAsync() => s_cluster.Value;

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix(string test) => $"t:{test}:{Guid.NewGuid():N}:";

    /// <summary>Limiter options for suites that are not about failures: <see cref="TestTimeout"/>, FailClosed.</summary>
    public static RedisCellOptions Options(string keyPrefix) => new()
    {
        KeyPrefix = keyPrefix,
        Failure = { Timeout = TestTimeout, Mode = FailureMode.FailClosed },
    };

    /// <summary>Every primary of <paramref name="redis"/>: one server, or each master of a cluster.</summary>
    public static IEnumerable<IServer> Primaries(IConnectionMultiplexer redis) =>
        redis.GetServers().Where(s => s.IsConnected && !s.IsReplica);

    private static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.SyncTimeout = 10_000;
        options.AsyncTimeout = 10_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
