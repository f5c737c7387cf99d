using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedisCell.Aspects;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.LoadHarness;
using RedisCell.Aspects.TestServers;
using RedisRateLimiting;
using StackExchange.Redis;

// Redis figures for docs/benchmarks.md#performance. It starts its own redis-server on a free loopback
// port, runs every case in rounds (the order alternates from round to round), stops by itself and
// prints markdown tables. Ratios compare cases measured in the same round.
//
//   dotnet run -c Release --project perf/RedisCell.Aspects.LoadHarness -- [--seconds 3] [--rounds 5]
//       [--callers 1,50] [--keys 1000] [--cases set,script,gcra,window,rrl-tb,rrl-fw,rrl-sw] [--out file.md]
//       [--scenario all|throughput|hammer] [--hammer-seconds 10] [--module]
//
// --module loads the tests' stand-in for redis-cell's module into the server (a C CL.THROTTLE that
// replays the real module's recorded calls; needs cc) and adds the module cases, gcra-guarded and
// gcra-direct: the same [Throttle] call on limiters that found the module (RedisCellModuleUse.Guarded
// and .Direct). The other cases are unchanged by it: without a warm-up their limiter uses no module.
var options = HarnessOptions.Parse(args);
if (!RedisServerProcess.IsInstalled)
{
    Console.Error.WriteLine("redis-server is not on PATH (apt-get install redis-server).");
    return 2;
}

if (options.Module && !ClThrottleStandIn.IsAvailable)
{
    Console.Error.WriteLine("--module needs a C compiler (cc) to build the CL.THROTTLE stand-in.");
    return 2;
}

await using RedisServerProcess server = options.Module ? await ClThrottleStandIn.StartServerAsync() : await RedisServerProcess.StartAsync();
var configuration = ConfigurationOptions.Parse(server.Configuration);
configuration.SyncTimeout = 30_000;
configuration.AsyncTimeout = 30_000;
await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(configuration);
IServer admin = redis.GetServer(redis.GetEndPoints()[0]);
var stats = new ServerStats(admin);
var runner = new LoadRunner(stats);
string version = (await admin.InfoAsync("server")).SelectMany(g => g).First(p => p.Key == "redis_version").Value;

var limiter = new RedisCellLimiter(redis);
SharedLimiter.Configure(limiter);
// A throttled call that was not intercepted would measure an empty method: one call must reach the server.
await stats.ResetAsync();
await ThrottledCalls.GcraAsync(0);
if (!(await stats.CommandsAsync()).Any(c => c.Key is "evalsha" or "eval"))
{
    Console.Error.WriteLine("The [Throttle] call reached no limiter: the generator's interceptors are not in this build.");
    return 2;
}

if (options.Module)
{
    foreach ((string name, RedisCellModuleUse use) in new[] { (ModuleLimiters.Guarded, RedisCellModuleUse.Guarded), (ModuleLimiters.Direct, RedisCellModuleUse.Direct) })
    {
        var moduleLimiter = new RedisCellLimiter(redis, new RedisCellOptions { RedisCellModule = use });
        await moduleLimiter.WarmUpAsync();
        if (!moduleLimiter.UsesRedisCellModule)
        {
            Console.Error.WriteLine($"The {name} limiter did not find CL.THROTTLE on the server.");
            return 2;
        }

        SharedLimiter.Configure(name, moduleLimiter);
    }
}

List<LoadCase> cases = LoadCases.Create(redis, options.Keys, options.Module).Where(c => options.Cases.Contains(c.Id)).Select(c => c.Case).ToList();
if (cases.Count == 0 || cases[0].Name != LoadCases.BaselineName)
{
    Console.Error.WriteLine("The cases must include 'set', the baseline every ratio is taken against.");
    return 2;
}

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"Load harness, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: redis-server {version} on 127.0.0.1, {Environment.ProcessorCount} cores shared by client and server, .NET {Environment.Version}.");
report.AppendLine(CultureInfo.InvariantCulture, $"{options.Rounds} rounds of {options.Seconds:0.#} s per case and caller count, the order of cases alternating; {options.Keys} keys; one shared connection.");
report.AppendLine();

foreach (int callers in options.Scenario is "all" or "throughput" ? options.Callers : [])
{
    // Warm up: JIT, script cache, connection, key space.
    foreach (LoadCase c in cases) await runner.RunAsync(c, callers, TimeSpan.FromSeconds(Math.Min(1, options.Seconds)));

    var rounds = new List<Dictionary<string, Measurement>>();
    for (int round = 0; round < options.Rounds; round++)
    {
        var results = new Dictionary<string, Measurement>();
        IEnumerable<LoadCase> order = round % 2 == 0 ? cases : Enumerable.Reverse(cases);
        foreach (LoadCase c in order)
        {
            Measurement m = await runner.RunAsync(c, callers, TimeSpan.FromSeconds(options.Seconds));
            results[c.Name] = m;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {callers,2} callers, round {round + 1}: {c.Name,-48} {m.CallsPerSecond,10:N0} ops/s  {m.BytesPerCall,6:N0} B/call  {m.ServerMicrosPerCall,6:0.00} µs server"));
        }

        rounds.Add(results);
    }

    report.Append(Table.Render(callers, cases, rounds));
    report.AppendLine();
}

if (limiter.Batches > 0)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"Batching: {limiter.BatchedDecisions:N0} decisions of the throttled calls went to the server inside {limiter.Batches:N0} batch scripts, {(double)limiter.BatchedDecisions / limiter.Batches:0.0} per script; the others went alone.");
    report.AppendLine();
}

if (options.Scenario is "all" or "hammer")
{
    report.AppendLine("**Local deny cache: one key at ten times its limit**");
    report.AppendLine();
    report.Append(await HammerScenario.RunAsync(redis, stats, options.HammerSeconds));
    report.AppendLine();
}

Console.WriteLine(report.ToString());
if (options.Output is not null) await File.WriteAllTextAsync(options.Output, report.ToString());
return 0;

internal sealed record HarnessOptions(double Seconds, int Rounds, int[] Callers, int Keys, HashSet<string> Cases, string? Output, string Scenario, double HammerSeconds, bool Module)
{
    public static HarnessOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool module = args.Contains("--module");
        args = args.Where(a => a != "--module").ToArray();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            values[args[i][2..]] = args[i + 1];
        }

        string Get(string name, string fallback) => values.TryGetValue(name, out string? v) ? v : fallback;
        var options = new HarnessOptions(
            double.Parse(Get("seconds", "3"), CultureInfo.InvariantCulture),
            int.Parse(Get("rounds", "5"), CultureInfo.InvariantCulture),
            Get("callers", "1,50").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            int.Parse(Get("keys", "1000"), CultureInfo.InvariantCulture),
            Get("cases", string.Join(',', module ? [.. LoadCases.Ids, .. LoadCases.ModuleIds] : LoadCases.Ids)).Split(',').ToHashSet(StringComparer.Ordinal),
            values.TryGetValue("out", out string? output) ? output : null,
            Get("scenario", "all"),
            double.Parse(Get("hammer-seconds", "10"), CultureInfo.InvariantCulture),
            module);
        if (options.Scenario is not ("all" or "throughput" or "hammer")) throw new ArgumentException("--scenario must be all, throughput or hammer.");
        if (options.HammerSeconds <= 0 || options.HammerSeconds > 120) throw new ArgumentException("--hammer-seconds must be from 0 to 120.");
        if (options.Seconds <= 0 || options.Seconds > 60) throw new ArgumentException("--seconds must be from 0 to 60.");
        if (options.Rounds < 1 || options.Rounds > 50) throw new ArgumentException("--rounds must be from 1 to 50.");
        if (options.Callers.Any(c => c < 1 || c > 500)) throw new ArgumentException("--callers must be from 1 to 500.");
        if (options.Keys < 1) throw new ArgumentException("--keys must be at least 1.");
        return options;
    }
}

/// <summary>The calls compared, each on its own key space of the same size.</summary>
internal static class LoadCases
{
    public const string BaselineName = "`StringSetAsync` (baseline)";

    /// <summary>The peer the issue's 50-caller target compares against; its column appears when the case runs.</summary>
    public const string PeerName = "RedisRateLimiting 1.2.1 token bucket";

    public static readonly string[] Ids = ["set", "script", "gcra", "window", "rrl-tb", "rrl-fw", "rrl-sw"];

    /// <summary>The cases that need the module on the server (--module).</summary>
    public static readonly string[] ModuleIds = ["gcra-guarded", "gcra-direct"];

    public static IEnumerable<(string Id, LoadCase Case)> Create(ConnectionMultiplexer redis, int keys, bool module)
    {
        IDatabase db = redis.GetDatabase();

        // SET: the cheapest write a limiter could make, with keys built before the run.
        RedisKey[] setKeys = Enumerable.Range(0, keys).Select(i => (RedisKey)$"set:{i}").ToArray();
        RedisValue value = "1";
        yield return ("set", new LoadCase(BaselineName, async n => await db.StringSetAsync(setKeys[n % keys], value), "set"));

        // The floor under any script-based limiter: an EVALSHA that does nothing but reply three
        // integers (what batch.lua replies for one decision), with the same keys and arguments.
        const string EmptyScript = "return { 0, -1000000000, 1000 }";
        byte[] emptySha = System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(EmptyScript));
        db.ScriptEvaluate(EmptyScript);
        RedisKey[] scriptKeys = Enumerable.Range(0, keys).Select(i => (RedisKey)$"script:{i}").ToArray();
        RedisValue[] scriptArguments = [RedisValue.EmptyString, "g", 1_000_000_000, 1_000_000, 1, 1];
        yield return ("script", new LoadCase(
            "bare `EVALSHA` replying three integers (no limiter)",
            async n => await db.ScriptEvaluateAsync(emptySha, [scriptKeys[n % keys]], scriptArguments),
            "evalsha"));

        // Calls to [Throttle("user:{userId}", ...)] and [RatePerSecond(..., Key = "window:{userId}")]
        // methods, rewritten by the generator: what an application's call costs.
        yield return ("gcra", new LoadCase(
            "throttled call: RedisCell.Aspects GCRA",
            n => new ValueTask(ThrottledCalls.GcraAsync((int)(n % keys))),
            "evalsha", "eval", "cl.throttle"));

        if (module)
        {
            yield return ("gcra-guarded", new LoadCase(
                "throttled call: GCRA by CL.THROTTLE, guarded (stand-in module)",
                n => new ValueTask(ThrottledCalls.GcraGuardedModuleAsync((int)(n % keys))),
                "evalsha", "eval"));
            yield return ("gcra-direct", new LoadCase(
                "throttled call: GCRA by CL.THROTTLE, direct (stand-in module)",
                n => new ValueTask(ThrottledCalls.GcraDirectModuleAsync((int)(n % keys))),
                "cl.throttle"));
        }

        yield return ("window", new LoadCase(
            "throttled call: RedisCell.Aspects fixed window",
            n => new ValueTask(ThrottledCalls.WindowAsync((int)(n % keys))),
            "evalsha", "eval"));

        Func<IConnectionMultiplexer> factory = () => redis;
        var buckets = Enumerable.Range(0, keys).Select(i => new RedisTokenBucketRateLimiter<string>($"tb:{i}", new RedisTokenBucketRateLimiterOptions
        {
            ConnectionMultiplexerFactory = factory,
            TokenLimit = 1_000_000_000,
            TokensPerPeriod = 1_000_000_000,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        })).ToArray();
        yield return ("rrl-tb", new LoadCase(PeerName, n => Acquire(buckets[n % keys]), "evalsha", "eval"));

        var fixedWindows = Enumerable.Range(0, keys).Select(i => new RedisFixedWindowRateLimiter<string>($"fw:{i}", new RedisFixedWindowRateLimiterOptions
        {
            ConnectionMultiplexerFactory = factory,
            PermitLimit = 1_000_000_000,
            Window = TimeSpan.FromSeconds(1),
        })).ToArray();
        yield return ("rrl-fw", new LoadCase("RedisRateLimiting 1.2.1 fixed window", n => Acquire(fixedWindows[n % keys]), "evalsha", "eval"));

        var slidingWindows = Enumerable.Range(0, keys).Select(i => new RedisSlidingWindowRateLimiter<string>($"sw:{i}", new RedisSlidingWindowRateLimiterOptions
        {
            ConnectionMultiplexerFactory = factory,
            PermitLimit = 1_000_000_000,
            Window = TimeSpan.FromSeconds(1),
        })).ToArray();
        yield return ("rrl-sw", new LoadCase("RedisRateLimiting 1.2.1 sliding window", n => Acquire(slidingWindows[n % keys]), "evalsha", "eval"));
    }

    private static async ValueTask Acquire(System.Threading.RateLimiting.RateLimiter limiter)
    {
        using System.Threading.RateLimiting.RateLimitLease lease = await limiter.AcquireAsync(1);
        if (!lease.IsAcquired) throw new InvalidOperationException("An open limiter refused a call.");
    }
}

/// <summary>The markdown table for one caller count.</summary>
internal static class Table
{
    public static string Render(int callers, IReadOnlyList<LoadCase> cases, IReadOnlyList<Dictionary<string, Measurement>> rounds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"**{callers} caller{(callers == 1 ? "" : "s")}**");
        text.AppendLine();
        // Ratios are taken round by round, against the case measured in the same round.
        bool peer = cases.Any(c => c.Name == LoadCases.PeerName);
        text.AppendLine("| call | ops/s (median) | × SET, median (min–max over rounds) |" + (peer ? " × RedisRateLimiting token bucket, median (min–max) |" : "") + " p50 µs | p99 µs | B/call | server µs/call | server CPU µs/call |");
        text.AppendLine("| --- | ---: | ---: |" + (peer ? " ---: |" : "") + " ---: | ---: | ---: | ---: | ---: |");
        foreach (LoadCase c in cases)
        {
            Measurement[] runs = rounds.Select(r => r[c.Name]).ToArray();
            var latency = new LatencyHistogram();
            foreach (Measurement m in runs) latency.Add(m.Latency);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Name} | {Median(runs.Select(m => m.CallsPerSecond)):N0} | {Ratio(rounds, c.Name, LoadCases.BaselineName)} |{(peer ? $" {Ratio(rounds, c.Name, LoadCases.PeerName)} |" : "")} {latency.Percentile(0.50):0} | {latency.Percentile(0.99):0} | {Median(runs.Select(m => m.BytesPerCall)):N0} | {Median(runs.Select(m => m.ServerMicrosPerCall)):0.00} | {Median(runs.Select(m => m.ServerCpuMicrosPerCall)):0.0} |"));
        }

        return text.ToString();
    }

    private static string Ratio(IReadOnlyList<Dictionary<string, Measurement>> rounds, string name, string against)
    {
        double[] ratios = rounds.Select(r => r[name].CallsPerSecond / r[against].CallsPerSecond).ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"{Median(ratios):0.00} ({ratios.Min():0.00}–{ratios.Max():0.00})");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
