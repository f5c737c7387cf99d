using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Conformance;

/// <summary>
/// The recorded vectors cover realistic policies; this drives the twin and cl_throttle.lua (with the
/// time argument) through the rest of the parameter space — tolerances of centuries, rates near the
/// 1 µs floor, quantities around the limit, gaps up to twice the tolerance — and requires the same
/// reply, exact durations and stored state, call for call.
/// </summary>
[Trait("Category", "Conformance")]
public sealed class TwinScriptAgreementTests
{
    public static TheoryData<string, int> EngineSeeds
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string engine in Engine.Available)
            {
                foreach (int seed in new[] { 1, 2, 3, 4 }) data.Add(engine, seed);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(EngineSeeds))]
    public async Task TheTwinAndTheScriptAgreeAcrossTheParameterSpace(string engine, int seed)
    {
        var random = new Random(seed);
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        IDatabase db = redis.GetDatabase();
        string prefix = Engine.UniquePrefix("agree");
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
        using var twin = new InProcessCellLimiter(clock);
        string script = ClThrottleProbe.Script();

        for (int scenario = 0; scenario < 12; scenario++)
        {
            GcraPolicy policy = RandomPolicy(random);
            string key = $"s{scenario}";
            long tolerance = policy.DelayVariationToleranceNanoseconds;
            for (int call = 0; call < 40; call++)
            {
                // Gaps from none to twice the tolerance (capped so the clock stays within 2^53 µs).
                long gapNs = random.Next(4) switch
                {
                    0 => 0,
                    1 => random.NextInt64(0, Math.Max(1, policy.EmissionIntervalNanoseconds)),
                    2 => random.NextInt64(0, Math.Min(tolerance, 3_000_000_000_000_000L) + 1),
                    _ => random.NextInt64(0, Math.Min(2 * (tolerance / 2), 6_000_000_000_000_000L) + 1),
                };
                clock.Advance(TimeSpan.FromTicks(gapNs / 1000 * 10)); // whole microseconds
                long nowNs = (clock.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
                long quantity = random.Next(5) == 0 ? policy.Limit + random.Next(3) : random.NextInt64(0, Math.Min(policy.Limit, 50) + 1);

                // The script sees the state the twin sees at this instant (restored with a margin, so
                // the server's own clock cannot expire it during the round trip).
                string redisKey = prefix + key;
                (string? before, long beforePttl) = twin.Inspect(key);
                if (before is null) await db.KeyDeleteAsync(redisKey);
                else await db.StringSetAsync(redisKey, before, TimeSpan.FromMilliseconds(Math.Min(beforePttl, 1_000_000_000) + 60_000));

                string what = $"{engine} seed {seed} {policy} call {call} q={quantity}";
                RedisValue[] arguments = [policy.MaxBurst, policy.Count, policy.PeriodSeconds, quantity, nowNs / 1000, "1"];
                RateLimitResult expected;
                try
                {
                    expected = twin.Check(new RateLimitRule(policy, key, quantity));
                }
                catch (RedisCellException refused) when (refused.Message.Contains("beyond 9223372036854775807", StringComparison.Ordinal))
                {
                    // A tolerance of centuries whose next TAT would pass 2^63 - 1 ns: both refuse it
                    // at the same call and leave the key as it was.
                    var scriptRefused = await Assert.ThrowsAsync<RedisServerException>(() => db.ScriptEvaluateAsync(script, [redisKey], arguments));
                    Assert.True(scriptRefused.Message.Contains("beyond 9223372036854775807", StringComparison.Ordinal), $"{what}: {scriptRefused.Message}");
                    Assert.Equal(before, twin.Inspect(key).Value);
                    Assert.Equal(before, (string?)await db.StringGetAsync(redisKey));
                    continue;
                }

                (string? twinValue, _) = twin.Inspect(key);
                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(script, [redisKey], arguments))!;
                var cell = (RedisResult[])reply[0]!;
                Assert.Equal(expected.ToCellReply(), new CellThrottleReply((long)cell[0], (long)cell[1], (long)cell[2], (long)cell[3], (long)cell[4]));
                Assert.True(expected.RetryAfterNanoseconds == ((long)cell[5] * 1_000_000_000L) + (long)cell[6], $"{what}: retry differs");
                Assert.True(expected.ResetAfterNanoseconds == ((long)cell[7] * 1_000_000_000L) + (long)cell[8], $"{what}: reset differs");
                Assert.True(twinValue == (string?)reply[1], $"{what}: twin stored {twinValue}, script {(string?)reply[1]}");

            }
        }

        await TtlAudit.AssertEveryKeyExpiresAsync(redis, prefix, atLeast: 0);
        foreach (int i in Enumerable.Range(0, 12)) await db.KeyDeleteAsync(prefix + "s" + i); // one slot at a time on a cluster
    }

    private static GcraPolicy RandomPolicy(Random random)
    {
        while (true)
        {
            long maxBurst = random.Next(4) switch
            {
                0 => random.Next(0, 5),
                1 => random.Next(0, 1000),
                2 => random.NextInt64(0, 1_000_000_000),
                _ => random.NextInt64(0, GcraPolicy.MaxBurstLimit),
            };
            long count = random.Next(3) switch
            {
                0 => random.Next(1, 100),
                1 => random.NextInt64(1, 10_000_000),
                _ => random.NextInt64(1, 1_000_000_000_000),
            };
            long period = random.Next(3) switch
            {
                0 => random.Next(1, 3600),
                1 => random.NextInt64(1, 100_000_000),
                _ => random.NextInt64(1, GcraPolicy.MaxPeriodSeconds),
            };
            if (GcraPolicy.Check(maxBurst, count, period) is null && random.Next(3) != 0
                || GcraPolicy.Check(maxBurst, count, period) is null && new GcraPolicy(maxBurst, count, period).DelayVariationToleranceNanoseconds > (1L << 52))
            {
                return new GcraPolicy(maxBurst, count, period);
            }
        }
    }
}
