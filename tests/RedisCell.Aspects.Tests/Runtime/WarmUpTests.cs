using System.Diagnostics;
using RedisCell.Aspects.Tests.Infrastructure;
using RedisCell.Aspects.Garnet;
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>
/// A limiter that connects warms itself up: its scripts are loaded on every primary before the first
/// decision, which then does not spend its timeout on compiling them, and nothing is written.
/// </summary>
public sealed class WarmUpTests(ITestOutputHelper output)
{
    private static readonly byte[][] s_sentScripts = [RedisScript.Batch.Hash, RedisScript.Multi.Hash];

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task Connecting_loads_the_scripts_on_every_primary_and_writes_nothing(string engine)
    {
        foreach (bool async in new[] { true, false })
        {
            await using FreshServer fresh = await FreshServer.StartAsync(engine);
            await using ConnectionMultiplexer probe = await ConnectionMultiplexer.ConnectAsync(fresh.Configuration);
            IServer[] primaries = Engine.Primaries(probe).ToArray();
            Assert.NotEmpty(primaries);
            Dictionary<IServer, long> loadsBefore = [];
            foreach (IServer server in primaries)
            {
                if (fresh.IsNew) Assert.All(s_sentScripts, sha => Assert.False(server.ScriptExists(sha)));
                loadsBefore[server] = await ScriptLoadsAsync(server, engine);
            }

            long keysBefore = await KeyCountAsync(primaries);
            RedisCellOptions options = new() { KeyPrefix = Engine.UniquePrefix("warm-up") };
            await using RedisCellLimiter limiter = async
                ? await RedisCellLimiter.ConnectAsync(fresh.Configuration, options)
                : RedisCellLimiter.Connect(fresh.Configuration, options);

            foreach (IServer server in primaries)
            {
                Assert.All(s_sentScripts, sha => Assert.True(server.ScriptExists(sha), $"{server.EndPoint} lacks a script after {(async ? "ConnectAsync" : "Connect")}"));
                if (engine != Engine.Garnet) Assert.True(await ScriptLoadsAsync(server, engine) >= loadsBefore[server] + 2, $"{server.EndPoint} was not sent the scripts");
            }

            Assert.Equal(keysBefore, await KeyCountAsync(primaries));
            Assert.True(await limiter.WarmUpAsync(), "warming up again, with every server answering, reports a failure");
        }
    }

    [Fact]
    public async Task Without_a_server_connecting_neither_fails_nor_waits_long()
    {
        int port = FreePort.Next(); // nothing listens there
        var elapsed = Stopwatch.StartNew();
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port},abortConnect=false");
        Assert.False(await limiter.WarmUpAsync());
        using RedisCellLimiter sync = RedisCellLimiter.Connect($"127.0.0.1:{port},abortConnect=false");
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(8), $"connecting twice to nothing took {elapsed.Elapsed.TotalSeconds:0.0} s");

        // The limiter works as configured: the default policy fails open.
        Assert.True((await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(0, 1, 60), "k"))).Allowed);
    }

    [Fact]
    public async Task The_connect_timeout_is_the_options_unless_the_connection_string_sets_one()
    {
        // A cold TLS handshake may need longer than the default: a connectTimeout the application
        // wrote is its decision and is kept; StackExchange.Redis's 5 s becomes ConnectTimeout (2 s).
        int port = FreePort.Next(); // nothing listens there: each connect fails at once
        var options = new RedisCellOptions { Failure = { Timeout = TimeSpan.FromMilliseconds(250) } };
        await using RedisCellLimiter chosen = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port},connectTimeout=4321", options);
        await using RedisCellLimiter fromUrl = await RedisCellLimiter.ConnectAsync($"redis://127.0.0.1:{port}?connectTimeout=1234", options);
        await using RedisCellLimiter defaulted = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port}", options);
        await using RedisCellLimiter configured = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port}", new RedisCellOptions { ConnectTimeout = TimeSpan.FromMilliseconds(700) });
        Assert.Contains("connectTimeout=4321", chosen.Connection.Configuration, StringComparison.Ordinal);
        Assert.Contains("connectTimeout=1234", fromUrl.Connection.Configuration, StringComparison.Ordinal);
        Assert.Contains("connectTimeout=2000", defaulted.Connection.Configuration, StringComparison.Ordinal);
        Assert.Contains("connectTimeout=700", configured.Connection.Configuration, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_costs_a_bounded_connect()
    {
        // A hung server (or anything else holding the port): the TCP connect succeeds, the handshake
        // never completes. StackExchange.Redis's own ConnectTimeout (5 s, retried) would hold Connect,
        // and SharedLimiter.Current's first callers behind its lock, for about 15 s.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<System.Net.Sockets.Socket>();
        using var stop = new CancellationTokenSource();
        Task accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    System.Net.Sockets.Socket socket = await listener.AcceptSocketAsync(stop.Token);
                    lock (accepted) accepted.Add(socket);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        try
        {
            string configuration = $"127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
            var options = new RedisCellOptions { Failure = { Mode = FailureMode.FailClosed } };

            var elapsed = Stopwatch.StartNew();
            using (RedisCellLimiter sync = RedisCellLimiter.Connect(configuration, options))
            {
                TimeSpan took = elapsed.Elapsed;
                output.WriteLine($"FIGURE connect-unanswered path=sync took_ms={took.TotalMilliseconds:0}");
                Assert.True(took < TimeSpan.FromSeconds(4), $"Connect to a server that never answers took {took.TotalSeconds:0.0} s");
                Assert.Throws<RateLimiterUnavailableException>(() => sync.Check(new RateLimitRule(new GcraPolicy(0, 1, 60), "k")));
            }

            elapsed.Restart();
            await using (RedisCellLimiter async = await RedisCellLimiter.ConnectAsync(configuration, options))
            {
                TimeSpan took = elapsed.Elapsed;
                output.WriteLine($"FIGURE connect-unanswered path=async took_ms={took.TotalMilliseconds:0}");
                Assert.True(took < TimeSpan.FromSeconds(4), $"ConnectAsync to a server that never answers took {took.TotalSeconds:0.0} s");
                await Assert.ThrowsAsync<RateLimiterUnavailableException>(async () => await async.CheckAsync(new RateLimitRule(new GcraPolicy(0, 1, 60), "k")));
            }

            lock (accepted) Assert.NotEmpty(accepted); // the connects did reach the listener
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            await accepting;
            lock (accepted) accepted.ForEach(s => s.Dispose());
        }
    }

    // SCRIPT LOAD calls the server has counted (Redis only: Garnet keeps no per-subcommand statistics).
    private static async Task<long> ScriptLoadsAsync(IServer server, string engine)
    {
        if (engine == Engine.Garnet) return 0;
        string? line = (await server.InfoAsync("commandstats")).SelectMany(g => g)
            .FirstOrDefault(p => p.Key == "cmdstat_script|load").Value;
        if (line is null) return 0;
        string calls = line.Split(',')[0]; // calls=N
        return long.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long> KeyCountAsync(IEnumerable<IServer> primaries)
    {
        long count = 0;
        foreach (IServer server in primaries) count += await server.DatabaseSizeAsync();
        return count;
    }

    // A server no other test has used (Garnet, Redis), or the shared cluster, whose primaries other
    // tests have already sent the scripts to: there the test counts the SCRIPT LOAD calls instead.
    private sealed class FreshServer : IAsyncDisposable
    {
        private readonly IAsyncDisposable? _owned;
        private readonly EmbeddedGarnetServer? _garnet;

        private FreshServer(string configuration, bool isNew, IAsyncDisposable? owned, EmbeddedGarnetServer? garnet)
        {
            Configuration = configuration;
            IsNew = isNew;
            _owned = owned;
            _garnet = garnet;
        }

        public string Configuration { get; }

        public bool IsNew { get; }

        public static async Task<FreshServer> StartAsync(string engine)
        {
            switch (engine)
            {
                case Engine.Garnet:
                    EmbeddedGarnetServer garnet = EmbeddedGarnetServer.Start();
                    return new FreshServer(garnet.Configuration, true, null, garnet);
                case Engine.Redis:
                    RedisServerProcess redis = await RedisServerProcess.StartAsync();
                    return new FreshServer(redis.Configuration, true, redis, null);
                default:
                    RedisClusterProcess cluster = await Engine.ClusterAsync();
                    return new FreshServer(cluster.Configuration, false, null, null);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_owned is not null) await _owned.DisposeAsync();
            _garnet?.Dispose();
        }
    }
}
