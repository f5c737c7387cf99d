using System.Diagnostics;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// Three worker processes (not threads) with four loops each hammer one key for 2.5 s. The allowed
/// count must be what GCRA permits for the server time that passed: never more, and fewer only by
/// the calls the edges of the window can account for.
/// </summary>
/// <remarks>
/// <para>
/// The test reads the server's TIME (t0) just before telling the workers to go and again (t1) once
/// all have reported. GCRA permits <c>limit + floor((t1 - t0) / T)</c> in that window; every call
/// happened inside it, so the allowed count may not exceed it. Demand saturates the key (thousands
/// of calls a second against one every T = 10 ms), so it is allowed about that many; it falls short
/// only by the part of the window in which no worker was hammering — the edges: "go" travelling
/// through the pipes, the first round trip, and the reports and the second TIME after the last
/// call. That part is measured (the test's wall time between t0 and t1 minus the workers' fixed
/// hammering time, plus the longest a worker waited for its first answer after "go"), and the
/// shortfall may be at most its length over T, plus one for rounding.
/// The tolerance (DVT = 1 s) means a stall of any single worker loses nothing.
/// </para>
/// </remarks>
[Trait("Category", "Reliability")]
public sealed class MultiProcessLoadTests(ITestOutputHelper output)
{
    private const int Processes = 3;
    private const int LoopsPerProcess = 4;
    private const int DurationMs = 2500;
    private static readonly GcraPolicy Policy = new(maxBurst: 99, count: 100, periodSeconds: 1); // T = 10 ms, limit 100

    public static TheoryData<string> Engines => Engine.All;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task SeveralProcessesAreAllowedExactlyWhatGcraPermitsForTheElapsedServerTime(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("load");
        const string key = "hot";
        IServer server = redis.GetServer(redis.GetDatabase().IdentifyEndpoint(prefix + key)!);
        string worker = Path.Combine(AppContext.BaseDirectory, "RedisCell.Aspects.LoadWorker.dll");
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < Processes; i++)
            {
                var start = new ProcessStartInfo("dotnet")
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                foreach (string argument in new[] { worker, redis.Configuration, prefix, key, Policy.MaxBurst.ToString(), Policy.Count.ToString(), Policy.PeriodSeconds.ToString(), DurationMs.ToString(), LoopsPerProcess.ToString() })
                {
                    start.ArgumentList.Add(argument);
                }

                processes.Add(Process.Start(start)!);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (Process process in processes) Assert.Equal("ready", await ReadLineAsync(process, deadline.Token));

            DateTime t0 = await server.TimeAsync();
            var wall = Stopwatch.StartNew();
            foreach (Process process in processes) await process.StandardInput.WriteLineAsync("go");
            foreach (Process process in processes) await process.StandardInput.FlushAsync();
            string[] reports = new string[Processes];
            for (int i = 0; i < Processes; i++) reports[i] = await ReadLineAsync(processes[i], deadline.Token);
            DateTime t1 = await server.TimeAsync();
            double wallMs = wall.Elapsed.TotalMilliseconds;

            long allowed = reports.Sum(r => Field(r, "allowed"));
            long limited = reports.Sum(r => Field(r, "limited"));
            long errors = reports.Sum(r => Field(r, "errors"));
            double intervalMs = Policy.EmissionIntervalNanoseconds / 1e6;
            double serverMs = (t1 - t0).TotalMilliseconds;
            long permitted = Policy.Limit + (long)Math.Floor(serverMs / intervalMs);
            double firstReplyMs = reports.Max(r => FieldMs(r, "first_reply_ms"));
            double edgeMs = Math.Max(0, Math.Max(wallMs, serverMs) - DurationMs) + firstReplyMs;
            long slack = (long)Math.Ceiling(edgeMs / intervalMs) + 1;
            output.WriteLine(
                $"FIGURE load engine={engine} processes={Processes}x{LoopsPerProcess} calls={allowed + limited} allowed={allowed} permitted={permitted} " +
                $"server_window_ms={serverMs:0.0} edge_ms={edgeMs:0.0} slack={slack} shortfall={permitted - allowed} errors={errors} reports=[{string.Join(" | ", reports)}]");

            Assert.Equal(0, errors);
            Assert.True(allowed + limited > 5 * permitted, $"{allowed + limited} calls do not saturate the key");
            Assert.True(allowed <= permitted, $"{allowed} allowed, but GCRA permits {permitted} in {serverMs:0.0} ms of server time");
            Assert.True(permitted - allowed <= slack, $"{allowed} allowed of {permitted} permitted; the edges ({edgeMs:0.0} ms) account for {slack}");
            foreach (Process process in processes) Assert.True(process.WaitForExit(10_000));

            // The hammered key is deleted below, before the suite's TTL audit could see it.
            await TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix);
        }
        finally
        {
            foreach (Process process in processes)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.Dispose();
            }

            await redis.GetDatabase().KeyDeleteAsync(prefix + key);
        }
    }

    private static async Task<string> ReadLineAsync(Process process, CancellationToken cancellationToken)
    {
        string? line = await process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is null) throw new InvalidOperationException("The worker exited: " + await process.StandardError.ReadToEndAsync(cancellationToken));
        return line;
    }

    private static double FieldMs(string report, string name)
    {
        foreach (string part in report.Split(' '))
        {
            if (part.StartsWith(name + "=", StringComparison.Ordinal)) return double.Parse(part[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new InvalidOperationException($"'{name}' is missing from the report: {report}");
    }

    private static long Field(string report, string name)
    {
        foreach (string part in report.Split(' '))
        {
            if (part.StartsWith(name + "=", StringComparison.Ordinal)) return long.Parse(part[(name.Length + 1)..]);
        }

        throw new InvalidOperationException($"'{name}' is missing from the report: {report}");
    }
}
