// One process of the multi-process load test (Reliability/MultiProcessLoadTests).
//
//   dotnet RedisCell.Aspects.LoadWorker.dll <configuration> <key prefix> <key> <max_burst> <count> <period_s> <duration_ms> <loops>
//
// Connects, decides once on a warm-up key, prints "ready", waits for "go" on standard input, then
// runs <loops> concurrent loops deciding one GCRA rule on <key> for <duration_ms> (measured from
// "go"), prints "done allowed=… limited=… errors=… max_latency_ms=… first_reply_ms=…" and exits. Every loop stops
// by itself at the deadline; a worker whose parent goes away stops when standard input closes.
using System.Diagnostics;
using RedisCell.Aspects;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Redis;

if (args.Length != 8)
{
    Console.Error.WriteLine("usage: <configuration> <key prefix> <key> <max_burst> <count> <period_s> <duration_ms> <loops>");
    return 2;
}

string configuration = args[0];
var options = new RedisCellOptions
{
    KeyPrefix = args[1],
    Failure = {
        Timeout = TimeSpan.FromSeconds(5),
        Mode = FailureMode.FailClosed, // a store failure is an error here, never a silent allow
    },
};
var rule = new RateLimitRule(new GcraPolicy(long.Parse(args[3]), long.Parse(args[4]), long.Parse(args[5])), args[2]);
var duration = TimeSpan.FromMilliseconds(int.Parse(args[6]));
int loops = int.Parse(args[7]);

await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(configuration, options);
await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(1000, 1000, 1), args[2] + ":warm-up"));
Console.WriteLine("ready");
if (Console.ReadLine() != "go") return 3;

var clock = Stopwatch.StartNew();
long allowed = 0, limited = 0, errors = 0, maxLatencyTicks = 0, firstReplyTicks = 0;
string? firstError = null;
var workers = new Task[loops];
for (int i = 0; i < loops; i++)
{
    workers[i] = Task.Run(async () =>
    {
        while (clock.Elapsed < duration)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                RateLimitResult result = await limiter.CheckAsync(rule);
                Interlocked.Increment(ref result.Allowed ? ref allowed : ref limited);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
            }

            Interlocked.CompareExchange(ref firstReplyTicks, clock.ElapsedTicks, 0);
            long latency = Stopwatch.GetTimestamp() - started;
            long seen;
            while (latency > (seen = Interlocked.Read(ref maxLatencyTicks)) && Interlocked.CompareExchange(ref maxLatencyTicks, latency, seen) != seen)
            {
            }
        }
    });
}

await Task.WhenAll(workers);
Console.WriteLine($"done allowed={allowed} limited={limited} errors={errors} max_latency_ms={maxLatencyTicks * 1000.0 / Stopwatch.Frequency:0.0} first_reply_ms={firstReplyTicks * 1000.0 / Stopwatch.Frequency:0.0}" + (firstError is null ? "" : $" first_error={firstError.ReplaceLineEndings(" ")}"));
return 0;
