using System;
using System.Globalization;
using Garnet;

namespace RedisCell.Aspects.Garnet;

/// <summary>
/// Microsoft Garnet running inside this process on a free loopback port, with Lua scripting on and
/// <c>--lua-transaction-mode</c> on: without it Garnet does not run a script atomically, and the
/// limiter's decisions rely on that.
/// </summary>
/// <remarks>
/// A Redis-compatible server with nothing installed, for samples, tests and local development.
/// Connect with <see cref="Configuration"/>; dispose the instance to stop the server.
/// </remarks>
public sealed class EmbeddedGarnetServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnetServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>The port the server listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>
    /// A StackExchange.Redis configuration string for this server. Admin commands are allowed:
    /// tests and samples inspect and flush the server they own.
    /// </summary>
    public string Configuration => $"127.0.0.1:{Port},allowAdmin=true,abortConnect=false";

    /// <summary>Starts Garnet in this process on a free loopback port.</summary>
    /// <returns>The running server; dispose it to stop the server.</returns>
    public static EmbeddedGarnetServer Start()
    {
        int port = LoopbackPort.Free();
        var server = new GarnetServer(
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--lua",
            "--lua-transaction-mode",
            "-q",
            "--logger-level", "Error",
        ]);
        server.Start();
        return new EmbeddedGarnetServer(server, port);
    }

    /// <summary>Stops the server.</summary>
    public void Dispose() => _server.Dispose();
}
