using System.Net;
using System.Net.Sockets;

namespace RedisCell.Aspects.TestServers;

/// <summary>Finds loopback ports nobody is listening on.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A port <paramref name="port"/> such that <paramref name="port"/> + <paramref name="offset"/> is
    /// free too (Redis Cluster's bus port is the data port + 10000 unless set otherwise).
    /// </summary>
    public static int NextWithPartner(int offset)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = Next();
            if (port + offset > 65535) continue;
            try
            {
                using var partner = new TcpListener(IPAddress.Loopback, port + offset);
                partner.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No pair of free loopback ports was found.");
    }
}
