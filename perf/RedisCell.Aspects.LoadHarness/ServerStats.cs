using System.Globalization;
using StackExchange.Redis;

namespace RedisCell.Aspects.LoadHarness;

/// <summary>What the server reports about itself: <c>INFO commandstats</c> and its process CPU time.</summary>
public sealed class ServerStats
{
    private readonly IServer _server;

    public ServerStats(IServer server) => _server = server;

    /// <summary>Zeroes the command statistics (<c>CONFIG RESETSTAT</c>).</summary>
    public Task ResetAsync() => _server.ConfigResetStatisticsAsync();

    /// <summary>Per command (lower case, e.g. <c>evalsha</c>): calls and microseconds since the last reset.</summary>
    public async Task<Dictionary<string, (long Calls, long Micros)>> CommandsAsync()
    {
        string info = await _server.InfoRawAsync("commandstats") ?? "";
        var stats = new Dictionary<string, (long Calls, long Micros)>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            string name = line[8..colon];
            long calls = 0, micros = 0;
            foreach (string field in line[(colon + 1)..].Split(','))
            {
                string[] kv = field.Split('=');
                if (kv[0] == "calls") calls = long.Parse(kv[1], CultureInfo.InvariantCulture);
                else if (kv[0] == "usec") micros = long.Parse(kv[1], CultureInfo.InvariantCulture);
            }

            stats[name] = (calls, micros);
        }

        return stats;
    }

    /// <summary>The server process's CPU seconds so far (user + system).</summary>
    public async Task<double> CpuSecondsAsync()
    {
        string info = await _server.InfoRawAsync("cpu") ?? "";
        double total = 0;
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("used_cpu_sys:", StringComparison.Ordinal) || line.StartsWith("used_cpu_user:", StringComparison.Ordinal))
            {
                total += double.Parse(line[(line.IndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
