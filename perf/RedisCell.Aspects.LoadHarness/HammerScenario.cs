using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedisCell.Aspects;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using StackExchange.Redis;

namespace RedisCell.Aspects.LoadHarness;

/// <summary>
/// The local deny cache under one key hammered at ten times its limit: how many refusals never
/// reached Redis, and whether any call was refused that Redis would have allowed.
/// </summary>
/// <remarks>
/// <para>
/// <b>Reach.</b> Calls are fired on a fixed schedule (ten per emission interval), each without
/// waiting for the previous one, for a bounded time. Calls that reached Redis are counted by the
/// server itself (<c>INFO commandstats</c>); every allowed call reached it, so the refusals that
/// reached it are the difference.
/// </para>
/// <para>
/// <b>Soundness.</b> One caller on the same schedule, waiting for each call; after every refusal
/// made in this process, a read-only call (quantity 0, through a limiter without the cache) asks
/// Redis for the key's TAT. Nothing else touches the key between the two, so the TAT at the refusal
/// is the TAT the read reports, and the read happened somewhere between sending and receiving it:
/// a refusal is proved right when even the earliest instant leaves the TAT too late for the call,
/// proved wrong when even the latest instant would have let it pass, and undecided when the
/// instant the key frees up falls within that round trip.
/// </para>
/// </remarks>
internal static class HammerScenario
{
    public static async Task<string> RunAsync(ConnectionMultiplexer redis, ServerStats stats, double seconds)
    {
        // 100 calls per second with a burst of 10, hammered with 1,000 calls per second.
        var policy = new GcraPolicy(maxBurst: 9, count: 100, periodSeconds: 1);
        const double callsPerSecond = 1_000;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"One key, {policy}, hammered at {callsPerSecond:N0} calls/s (10× its rate) for {seconds:0.#} s per phase.");
        text.AppendLine();
        text.AppendLine("| phase | calls | allowed | refused | refused in-process | refusals that reached Redis | refusals never reaching Redis | refused though Redis would allow |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

        // Reach: fire and forget on the schedule.
        using (var limiter = new RedisCellLimiter(redis, new RedisCellOptions { KeyPrefix = "hammer:reach:" }))
        {
            await stats.ResetAsync();
            long allowed = 0, refused = 0, calls = 0;
            var inFlight = new List<Task>();
            var rule = new RateLimitRule(policy, "one-key");
            await OnScheduleAsync(callsPerSecond, seconds, () =>
            {
                calls++;
                inFlight.Add(Call(limiter, rule, r =>
                {
                    if (r.Limited) Interlocked.Increment(ref refused);
                    else Interlocked.Increment(ref allowed);
                }));
            });
            await Task.WhenAll(inFlight);
            long reachedRedis = await DecisionsAtServerAsync(stats, limiter);
            long refusedByRedis = reachedRedis - allowed;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| reach: fire on schedule | {calls:N0} | {allowed:N0} | {refused:N0} | {limiter.LocalRefusals:N0} | {refusedByRedis:N0} | {100.0 * (refused - refusedByRedis) / refused:0.00} % | not checked here |"));
        }

        // Soundness: one caller, each local refusal checked against Redis with a read.
        using (var limiter = new RedisCellLimiter(redis, new RedisCellOptions { KeyPrefix = "hammer:sound:" }))
        using (var peeker = new RedisCellLimiter(redis, new RedisCellOptions { KeyPrefix = "hammer:sound:", DenyCache = { Capacity = 0 } }))
        {
            await stats.ResetAsync();
            long allowed = 0, refused = 0, calls = 0, wrong = 0, right = 0, undecided = 0, peeks = 0;
            var rule = new RateLimitRule(policy, "one-key");
            var peek = new RateLimitRule(policy, "one-key", quantity: 0);
            long threshold = policy.DelayVariationToleranceNanoseconds - policy.EmissionIntervalNanoseconds;
            var schedule = Stopwatch.StartNew();
            double interval = 1.0 / callsPerSecond;
            while (schedule.Elapsed.TotalSeconds < seconds)
            {
                double due = calls * interval;
                double wait = due - schedule.Elapsed.TotalSeconds;
                if (wait > 0.0005) await Task.Delay(TimeSpan.FromSeconds(wait));
                calls++;
                long before = limiter.LocalRefusals;
                long callStarted = Stopwatch.GetTimestamp();
                RateLimitResult result = await limiter.CheckAsync(rule);
                long callEnded = Stopwatch.GetTimestamp();
                if (!result.Limited)
                {
                    allowed++;
                    continue;
                }

                refused++;
                if (limiter.LocalRefusals == before) continue;

                // The read tells the TAT at the server's instant, somewhere between sending and
                // receiving it. Redis refuses a call of quantity 1 while TAT - now > DVT - T.
                peeks++;
                long peekSent = Stopwatch.GetTimestamp();
                RateLimitResult now = await peeker.CheckAsync(peek);
                long peekReceived = Stopwatch.GetTimestamp();
                long tatAtLeast = now.ResetAfterNanoseconds + Nanoseconds(peekSent - callEnded);
                long tatAtMost = now.ResetAfterNanoseconds + Nanoseconds(peekReceived - callStarted);
                if (tatAtLeast > threshold) right++;
                else if (tatAtMost <= threshold) wrong++;
                else undecided++;
            }

            long reached = await DecisionsAtServerAsync(stats, limiter) - peeks;
            long refusedByRedis = reached - allowed;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| soundness: one caller, each in-process refusal checked | {calls:N0} | {allowed:N0} | {refused:N0} | {limiter.LocalRefusals:N0} | {refusedByRedis:N0} | {100.0 * (refused - refusedByRedis) / refused:0.00} % | {wrong:N0} (of {peeks:N0} checked: {right:N0} proved right, {undecided:N0} within one round trip of the instant) |"));
        }

        return text.ToString();
    }

    // Decisions the server made: one per script, except a batch script, which carries several.
    private static async Task<long> DecisionsAtServerAsync(ServerStats stats, RedisCellLimiter limiter)
    {
        long scripts = (await stats.CommandsAsync()).Where(c => c.Key is "evalsha" or "eval").Sum(c => c.Value.Calls);
        return scripts - limiter.Batches + limiter.BatchedDecisions;
    }

    private static long Nanoseconds(long stopwatchTicks) => (long)(stopwatchTicks * (1e9 / Stopwatch.Frequency));

    private static async Task Call(CellLimiter limiter, RateLimitRule rule, Action<RateLimitResult> done) => done(await limiter.CheckAsync(rule));

    // Runs fire() at callsPerSecond on average for the given time, catching up after late wake-ups.
    private static async Task OnScheduleAsync(double callsPerSecond, double seconds, Action fire)
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        long fired = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * callsPerSecond);
            while (fired < due)
            {
                fire();
                fired++;
            }

            await timer.WaitForNextTickAsync();
        }
    }
}
