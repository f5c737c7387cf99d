using System.Net;
using System.Net.Sockets;

namespace RedisCell.Aspects.Garnet;

internal static class LoopbackPort
{
    /// <summary>A port nothing listened on a moment ago, on 127.0.0.1.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
