using System.Diagnostics;

namespace RedisCell.Aspects.LoadHarness;

/// <summary>What one case did in one timed run.</summary>
public sealed record Measurement(
    string Case,
    int Callers,
    long Calls,
    double Seconds,
    double BytesPerCall,
    double ServerMicrosPerCall,
    double ServerCpuMicrosPerCall,
    LatencyHistogram Latency)
{
    public double CallsPerSecond => Calls / Seconds;
}

/// <summary>
/// Drives one <see cref="LoadCase"/> with a number of concurrent callers for a fixed time. Each caller
/// awaits its call before making the next (closed loop), so one caller measures latency and fifty
/// measure how much the machine can push.
/// </summary>
public sealed class LoadRunner
{
    private readonly ServerStats _server;

    public LoadRunner(ServerStats server) => _server = server;

    public async Task<Measurement> RunAsync(LoadCase loadCase, int callers, TimeSpan duration)
    {
        var histograms = new LatencyHistogram[callers];
        var counts = new long[callers];
        for (int i = 0; i < callers; i++) histograms[i] = new LatencyHistogram();
        var tasks = new Task[callers];

        await _server.ResetAsync();
        double cpuBefore = await _server.CpuSecondsAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        long deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (int i = 0; i < callers; i++)
        {
            int caller = i;
            tasks[i] = callers == 1
                ? CallerAsync(loadCase, caller, deadline, histograms[caller], counts)
                : Task.Run(() => CallerAsync(loadCase, caller, deadline, histograms[caller], counts));
        }

        await Task.WhenAll(tasks);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        double cpuAfter = await _server.CpuSecondsAsync();
        Dictionary<string, (long Calls, long Micros)> commands = await _server.CommandsAsync();

        long calls = counts.Sum();
        long serverMicros = 0;
        foreach (string command in loadCase.ServerCommands)
        {
            if (commands.TryGetValue(command, out var stat)) serverMicros += stat.Micros;
        }

        var latency = new LatencyHistogram();
        foreach (LatencyHistogram h in histograms) latency.Add(h);
        return new Measurement(
            loadCase.Name,
            callers,
            calls,
            seconds,
            (double)bytes / calls,
            (double)serverMicros / calls,
            (cpuAfter - cpuBefore) * 1e6 / calls,
            latency);
    }

    private static async Task CallerAsync(LoadCase loadCase, int caller, long deadline, LatencyHistogram latency, long[] counts)
    {
        // Callers start on different keys so that fifty of them spread over the key space.
        long next = caller * 7919L;
        long done = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            if (start >= deadline) break;
            await loadCase.Call(next++);
            latency.Record(Stopwatch.GetTimestamp() - start);
            done++;
        }

        counts[caller] = done;
    }
}
