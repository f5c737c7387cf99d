using RedisCell.Aspects.Garnet;
using RedisCell.Aspects.TestServers;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// A server of a test's own, for tests that change server-wide state (SCRIPT FLUSH, CONFIG SET):
/// redis-server or Garnet. A cluster costs seconds to start, so for it there is none (null).
/// </summary>
public sealed class PrivateServer : IAsyncDisposable
{
    private readonly IAsyncDisposable? _redis;
    private readonly IDisposable? _garnet;

    private PrivateServer(ConnectionMultiplexer connection, IAsyncDisposable? redis, IDisposable? garnet)
    {
        Connection = connection;
        _redis = redis;
        _garnet = garnet;
    }

    public ConnectionMultiplexer Connection { get; }

    /// <summary>A private server of <paramref name="engine"/>'s kind, or null for the cluster.</summary>
    public static async Task<PrivateServer?> StartAsync(string engine)
    {
        switch (engine)
        {
            case Engine.Redis:
            {
                RedisServerProcess redis = await RedisServerProcess.StartAsync();
                return new PrivateServer(await ConnectionMultiplexer.ConnectAsync(redis.Configuration), redis, null);
            }

            case Engine.Garnet:
            {
                EmbeddedGarnetServer garnet = EmbeddedGarnetServer.Start();
                return new PrivateServer(await ConnectionMultiplexer.ConnectAsync(garnet.Configuration), null, garnet);
            }

            default:
                return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        _garnet?.Dispose();
    }
}
