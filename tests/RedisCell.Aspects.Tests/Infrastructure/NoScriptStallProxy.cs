using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of a real server that, once armed, holds a <c>NOSCRIPT</c> reply for a
/// while and then stops passing anything back on that connection: the server lost its scripts and
/// then hung, as far as the client can tell, so the resend of the script text is never answered.
/// </summary>
public sealed class NoScriptStallProxy : IAsyncDisposable
{
    private static readonly byte[] s_noScript = Encoding.ASCII.GetBytes("-NOSCRIPT");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private long _armedDelayTicks = -1;
    private int _stalled;

    public NoScriptStallProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many connections were stalled after a NOSCRIPT reply.</summary>
    public int Stalled => Volatile.Read(ref _stalled);

    /// <summary>The next NOSCRIPT reply is passed on after <paramref name="delay"/>, and its connection then hangs.</summary>
    public void Arm(TimeSpan delay) => Interlocked.Exchange(ref _armedDelayTicks, delay.Ticks);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_connections) _connections.ForEach(c => c.Dispose());
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(server);
            }

            _ = PumpAsync(client.GetStream(), server.GetStream(), inspect: false);
            _ = PumpAsync(server.GetStream(), client.GetStream(), inspect: true);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool inspect)
    {
        var buffer = new byte[64 * 1024];
        bool stalled = false;
        try
        {
            while (true)
            {
                int read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                if (stalled) continue; // the client hears nothing more on this connection
                if (inspect && Interlocked.Read(ref _armedDelayTicks) >= 0 && buffer.AsSpan(0, read).IndexOf(s_noScript) >= 0)
                {
                    long delayTicks = Interlocked.Exchange(ref _armedDelayTicks, -1);
                    if (delayTicks >= 0) await Task.Delay(TimeSpan.FromTicks(delayTicks), _stop.Token);
                    stalled = true;
                    Interlocked.Increment(ref _stalled);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
    }
}
