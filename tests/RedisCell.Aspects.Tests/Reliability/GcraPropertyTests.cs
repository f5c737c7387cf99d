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

    private static readonly Gen<Scenario> Scenarios =
        Gen.Select(Gen.Long[0, 20], Gen.Long[1, 1000], Gen.Long[1, 120])
            .Where(p => GcraPolicy.Check(p.Item1, p.Item2, p.Item3) is null)
            .SelectMany(p =>
            {
                long intervalUs = (long)((double)(p.Item3 * 1_000_000_000L) / p.Item2) / 1000;
                Gen<long> gaps = Gen.Frequency(
                    (3, Gen.Const(0L)),
                    (4, Gen.Long[0, Math.Max(1, intervalUs)]),
                    (2, Gen.Long[0, intervalUs * (p.Item1 + 2)]));
                Gen<long> quantities = Gen.Frequency((6, Gen.Const(1L)), (3, Gen.Long[0, p.Item1 + 1]), (1, Gen.Long[p.Item1 + 1, p.Item1 + 3]));
                return Gen.Select(gaps, quantities).Array[1, 40]
                    .Select(calls => new Scenario(p.Item1, p.Item2, p.Item3, calls.Select(c => (c.Item1, c.Item2)).ToArray()));
            });

    [Fact]
    public void TheTwinNeverAllowsMoreThanTheLimitPlusTheElapsedTimeOverTInAKeysLifetime()
    {
        Scenarios.Sample(scenario =>
        {
            GcraPolicy policy = scenario.Policy;
            var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
            using var twin = new InProcessCellLimiter(new RedisCellOptions { TimeProvider = clock });
            long startUs = 0, elapsedUs = 0;
            Int128 allowed = 0;
            foreach ((long gapUs, long quantity) in scenario.Calls)
            {
                clock.Advance(TimeSpan.FromTicks(gapUs * 10));
                elapsedUs += gapUs;

                // The bound holds for each lifetime of the key. A key expires on Redis's millisecond
                // rule (and one whose TTL truncates to 0 ms is deleted, SPEC §1, as the module's
                // expires within that millisecond): less than 1 ms of debt is forgiven each time,
                // exactly as CL.THROTTLE does. A new lifetime starts the count again.
                if (twin.Inspect("k").Value is null) allowed = 0;
                if (!twin.Check(new RateLimitRule(policy, "k", quantity)).Allowed) continue;
                if (allowed == 0 && quantity > 0) startUs = elapsedUs;
                allowed += quantity;

                // quantity * T <= (now - first) + DVT, i.e. allowed <= limit + elapsed / T.
                Int128 elapsedNs = (Int128)(elapsedUs - startUs) * 1000;
                Assert.True(
                    allowed * policy.EmissionIntervalNanoseconds <= elapsedNs + policy.DelayVariationToleranceNanoseconds,
                    $"{allowed} allowed within {elapsedNs} ns under {policy}");
            }
        }, iter: 2000, threads: 1);
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
            using var twin = new InProcessCellLimiter(new RedisCellOptions { TimeProvider = clock });
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
            }
            finally
            {
                await db.KeyDeleteAsync(key);
            }
        }, iter: 60, threads: 1);
    }
}
