using System.Diagnostics;
using StackExchange.Redis;

namespace RedisCell.Aspects.TestServers;

/// <summary>
/// A local Redis Cluster of three masters (no replicas): three <c>redis-server</c> child processes
/// on free loopback ports, each with its cluster bus on a free port of its own (<c>--cluster-port</c>,
/// so the bus is not port + 10000 and stays in range), joined with <c>redis-cli --cluster create</c>.
/// Its files live in a temporary folder removed on dispose.
/// </summary>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly List<RedisServerProcess> _nodes;
    private readonly string _directory;

    private RedisClusterProcess(List<RedisServerProcess> nodes, string directory)
    {
        _nodes = nodes;
        _directory = directory;
    }

    /// <summary>True when redis-server and redis-cli are both on PATH.</summary>
    public static bool IsInstalled => RedisServerProcess.IsInstalled && RedisServerProcess.FindOnPath("redis-cli") is not null;

    /// <summary>The masters' ports.</summary>
    public IReadOnlyList<int> Ports => _nodes.Select(n => n.Port).ToList();

    /// <summary>A StackExchange.Redis configuration string naming every master.</summary>
    public string Configuration => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}")) + ",allowAdmin=true,abortConnect=false";

    /// <summary>Starts three masters, creates the cluster and waits until every node reports it healthy.</summary>
    public static async Task<RedisClusterProcess> StartAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "rediscell-cluster-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var nodes = new List<RedisServerProcess>();
        var cluster = new RedisClusterProcess(nodes, directory);
        try
        {
            for (int i = 0; i < 3; i++)
            {
                int port = FreePort.Next();
                int bus = FreePort.Next();
                nodes.Add(await RedisServerProcess.StartAsync(
                    port,
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf"),
                    "--cluster-port", bus.ToString(),
                    "--cluster-node-timeout", "5000",
                    "--dir", directory).ConfigureAwait(false));
            }

            await RunCliAsync(["--cluster", "create", .. nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"]).ConfigureAwait(false);
            await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends SIGKILL to every node without waiting (see <see cref="RedisServerProcess.Signal"/>).</summary>
    public void Signal()
    {
        foreach (RedisServerProcess node in _nodes) node.Signal();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Signal();
        foreach (RedisServerProcess node in _nodes) await node.DisposeAsync().ConfigureAwait(false);
        try
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            bool healthy = true;
            foreach (RedisServerProcess node in _nodes)
            {
                string info = await RunCliAsync(["-p", node.Port.ToString(), "cluster", "info"]).ConfigureAwait(false);
                healthy &= info.Contains("cluster_state:ok", StringComparison.Ordinal) && info.Contains("cluster_known_nodes:3", StringComparison.Ordinal);
            }

            if (healthy) break;
            if (deadline.Elapsed > timeout) throw new TimeoutException($"The cluster on ports {string.Join(", ", Ports)} was not healthy within {timeout}.");
            await Task.Delay(100).ConfigureAwait(false);
        }

        // Every node agrees; the client must see all 16384 slots before the first test.
        var options = ConfigurationOptions.Parse(Configuration);
        options.AbortOnConnectFail = true;
        await using ConnectionMultiplexer probe = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        for (int slot = 0; slot < 16384; slot += 4096) await probe.GetDatabase().StringGetAsync("probe{" + slot + "}").ConfigureAwait(false);
    }

    private static async Task<string> RunCliAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(RedisServerProcess.FindOnPath("redis-cli") ?? throw new InvalidOperationException("redis-cli is not on PATH; install redis-tools."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process cli = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start.");
        Task<string> output = cli.StandardOutput.ReadToEndAsync();
        Task<string> error = cli.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await cli.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cli.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-cli {string.Join(' ', start.ArgumentList)} did not finish within 30 s.");
        }

        string text = await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
        if (cli.ExitCode != 0) throw new InvalidOperationException($"redis-cli {string.Join(' ', start.ArgumentList)} failed ({cli.ExitCode}): {text}");
        return text;
    }
}
