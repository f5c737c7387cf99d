using Garnet;

namespace RedisCell.Aspects.TestServers;

/// <summary>
/// Microsoft Garnet hosted in this process on a loopback port, with Lua enabled and
/// <c>LuaTransactionMode</c> on: without it Garnet's scripts are not atomic.
/// </summary>
public sealed class GarnetHost : IDisposable
{
    private readonly GarnetServer _server;

    private GarnetHost(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>The port Garnet listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},allowAdmin=true,abortConnect=false";

    /// <summary>Starts Garnet on a free loopback port (or <paramref name="port"/>).</summary>
    public static GarnetHost Start(int? port = null)
    {
        int chosen = port ?? FreePort.Next();
        var server = new GarnetServer(
        [
            "--bind", "127.0.0.1",
            "--port", chosen.ToString(),
            "--lua",
            "--lua-transaction-mode",
            "-q",
            "--logger-level", "Error",
        ]);
        server.Start();
        return new GarnetHost(server, chosen);
    }

    /// <inheritdoc />
    public void Dispose() => _server.Dispose();
}
