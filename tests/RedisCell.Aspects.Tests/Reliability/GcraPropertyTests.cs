using CsCheck;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// Random call sequences (CsCheck, shrunk to a minimal counter-example on failure): the twin never
/// allows more than GCRA permits for the time that passed, and cl_throttle.lua on a real server
/// answers every call exactly as the twin does.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class GcraPropertyTests
{
    /// <summary>A policy and a sequence of (gap in microseconds, quantity) calls.</summary>
    public sealed record Scenario(long MaxBurst, long Count, long Period, (long GapUs, long Quantity)[] Calls)
    {
        public GcraPolicy Policy => new(MaxBurst, Count, Period);

        public override string ToString() => $"gcra({MaxBurst}, {Count}, {Period}s) calls [{string.Join(", ", Calls.Select(c => $"+{c.GapUs}us x{c.Quantity}"))}]";
    }

    // 2^52 ns (about 52 days): beyond this tolerance, or with a stored TAT that far from now,
    // cl_throttle.lua leaves its relative arithmetic for gcra_far's {seconds, nanoseconds} pairs.
    private const long Near = 1L << 52;

    // The largest tolerance generated: 2^59 ns (about 18 years), so that a TAT of 2026 plus the
    // calls' gaps and the tolerance stays below 2^63 ns (2262), which both refuse to store.
    private const long MaxTolerance = 1L << 59;

    // The largest gap between two calls: about 115 days, 40 calls stay within 13 years.
    private const long MaxGapUs = 10_000_000_000_000;

    // Policies from three regions: small everyday ones; wide bursts, counts and periods; and
    // tolerances beyond 2^52 ns, where the script takes its slow path.
    private static readonly Gen<(long Burst, long Count, long Period)> Policies = Gen.Frequency(
        (4, Gen.Select(Gen.Long[0, 20], Gen.Long[1, 1000], Gen.Long[1, 120])),
        (2, Gen.Select(Gen.Long[0, 100_000], Gen.Long[1, 1_000_000_000], Gen.Long[1, 86_400 * 30])),
        (3, Gen.Select(Gen.Long[0, 5000], Gen.Long[1, 1000], Gen.Long[1_000_000, 100_000_000])))
        .Where(p => GcraPolicy.Check(p.Item1, p.Item2, p.Item3) is null && new GcraPolicy(p.Item1, p.Item2, p.Item3).DelayVariationToleranceNanoseconds <= MaxTolerance);

    private static readonly Gen<Scenario> Scenarios =
        Policies.SelectMany(p =>
            {
                var policy = new GcraPolicy(p.Burst, p.Count, p.Period);
                long intervalUs = Math.Max(1, policy.EmissionIntervalNanoseconds / 1000);
                long toleranceUs = policy.DelayVariationToleranceNanoseconds / 1000;
                Gen<long> gaps = Gen.Frequency(
                    (3, Gen.Const(0L)),
                    (4, Gen.Long[0, Math.Min(intervalUs, MaxGapUs)]),
                    (2, Gen.Long[0, Math.Min(toleranceUs + intervalUs, MaxGapUs)]));
                Gen<long> quantities = Gen.Frequency((6, Gen.Const(1L)), (3, Gen.Long[0, p.Burst + 1]), (1, Gen.Long[p.Burst + 1, p.Burst + 3]));
                return Gen.Select(gaps, quantities).Array[1, 40]
                    .Select(calls => new Scenario(p.Burst, p.Count, p.Period, calls.Select(c => (c.Item1, c.Item2)).ToArray()));
            });

    /// <summary>
    /// The bound, exactly: over the whole sequence, <c>allowed * T &lt;= elapsed + DVT + ends * 1 ms</c>,
    /// where elapsed runs from the first allowed call to the last, and <c>ends</c> counts the times the
    /// key had expired (or, its TTL truncating to 0 ms, was deleted) when the next call came. Each
    /// such end forgives less than 1 ms of debt (Redis's millisecond expiry, as CL.THROTTLE), and
    /// within one lifetime of the key nothing is forgiven: <c>allowed * T &lt;= elapsed + DVT</c>
    /// there, that is <c>allowed &lt;= limit + elapsed / T</c>. Both are checked after every call.
    /// </summary>
    [Fact]
    public void TheTwinNeverAllowsMoreThanTheLimitPlusTheElapsedTimeOverT()
    {
        int far = 0;
        Scenarios.Sample(scenario =>
        {
            GcraPolicy policy = scenario.Policy;
            if (policy.DelayVariationToleranceNanoseconds > Near) far++;
            var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
            using var twin = new InProcessCellLimiter(clock);
            long elapsedUs = 0, firstUs = -1, lifetimeStartUs = 0, ends = 0;
            Int128 allowed = 0, allowedInLifetime = 0;
            bool written = false;
            foreach ((long gapUs, long quantity) in scenario.Calls)
            {
                clock.Advance(TimeSpan.FromTicks(gapUs * 10));
                elapsedUs += gapUs;
                if (twin.Inspect("k").Value is null && written)
                {
                    ends++;
                    written = false;
                    allowedInLifetime = 0;
                }

                if (!twin.Check(new RateLimitRule(policy, "k", quantity)).Allowed || quantity == 0) continue;
                if (firstUs < 0) firstUs = elapsedUs;
                if (!written) lifetimeStartUs = elapsedUs;
                written = true;
                allowed += quantity;
                allowedInLifetime += quantity;

                Int128 T = policy.EmissionIntervalNanoseconds, dvt = policy.DelayVariationToleranceNanoseconds;
                Int128 lifetimeNs = (Int128)(elapsedUs - lifetimeStartUs) * 1000;
                Assert.True(allowedInLifetime * T <= lifetimeNs + dvt, $"{allowedInLifetime} allowed within {lifetimeNs} ns of one lifetime under {policy}");
                Int128 wholeNs = (Int128)(elapsedUs - firstUs) * 1000;
                Assert.True(allowed * T <= wholeNs + dvt + (ends * 1_000_000), $"{allowed} allowed within {wholeNs} ns and {ends} expiries under {policy}");
            }
        }, iter: 3000, threads: 1);

        // The slow path was reached, not only generated for.
        Console.WriteLine($"FIGURE gcra-property sequences=3000 beyond_2^52={far}");
        Assert.True(far > 300, $"only {far} of 3000 sequences had a tolerance beyond 2^52 ns");
    }

    public static TheoryData<string> Engines => Engine.All;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task TheTwinAndTheLuaScriptAgreeOnRandomSequences(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("property");
        int sample = 0;
        await Scenarios.SampleAsync(async scenario =>
        {
            GcraPolicy policy = scenario.Policy;
            var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
            using var twin = new InProcessCellLimiter(clock);
            string key = prefix + Interlocked.Increment(ref sample);
            try
            {
                foreach ((long gapUs, long quantity) in scenario.Calls)
                {
                    clock.Advance(TimeSpan.FromTicks(gapUs * 10));
                    long nowUs = (clock.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

                    // The server's keyspace clock cannot follow the fake one: give the script the state
                    // the twin holds at this instant (with a margin so it cannot expire mid-call).
                    (string? before, long pttl) = twin.Inspect("k");
                    if (before is null) await db.KeyDeleteAsync(key);
                    else await db.StringSetAsync(key, before, TimeSpan.FromMilliseconds(pttl + 60_000));

                    RateLimitResult expected = twin.Check(new RateLimitRule(policy, "k", quantity));
                    ClThrottleProbe.Observation o = ClThrottleProbe.Read(await db.ScriptEvaluateAsync(
                        ClThrottleProbe.Script(), [key], [policy.MaxBurst, policy.Count, policy.PeriodSeconds, quantity, nowUs, "1"]));
                    Assert.Equal(expected.ToCellReply(), o.Cell);
                    Assert.Equal(expected.RetryAfterNanoseconds, o.RetryAfterNanoseconds);
                    Assert.Equal(expected.ResetAfterNanoseconds, o.ResetAfterNanoseconds);
                    Assert.True(twin.Inspect("k").Value == o.State, $"{engine} at +{gapUs}us x{quantity}: twin stored {twin.Inspect("k").Value ?? "nothing"}, script {o.State ?? "nothing"}");
                }

                // What the script last wrote expires (the key is deleted before the suite's TTL audit).
                if (await db.KeyExistsAsync(key)) Assert.NotNull(await db.KeyTimeToLiveAsync(key));
            }
            finally
            {
                await db.KeyDeleteAsync(key);
            }
        }, iter: 100, threads: 1);
    }
}
