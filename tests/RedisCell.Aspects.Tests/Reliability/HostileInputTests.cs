using System.Text;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// Keys and values a caller (or an attacker behind one) controls: pattern and separator characters,
/// control characters, Unicode, megabyte strings, values of the wrong type left at a limiter key,
/// huge and negative numbers. Each is a clear error or handled safely; the server stays up; every
/// key written carries a TTL (the suite's TTL audit runs last).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class HostileInputTests
{
    private static readonly string Megabyte = new('x', 1 << 20);

    public static readonly string[] HostileValues =
    [
        "*", "?", "[a-z]", "]", "{", "}", "{victim}", "}{", ":", "a:b", "\n", "\r\n", "\0", "%", "%3A", "%N", "%#", "%u0041",
        "é", "e\u0301", "用户", "🙂", "\uD800", "\uDBFF", "\uDC00", "a\uD800b", "  ", "", "#" + new string('a', 64), Megabyte,
    ];

    public static TheoryData<string> Engines => Engine.All;

    [Fact]
    public void EscapedValuesNeverCollideNorChooseASlotNorForgeAShortenedKey()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in HostileValues)
        {
            string key = RateLimitKey.Create($"user:{value}:orders");
            Assert.True(key.Length <= RateLimitKey.MaxLength, $"{key.Length} chars");
            Assert.True(RateLimitKey.HashTag(key).IsEmpty, $"'{Show(value)}' chose a hash tag: {key}");
            Assert.DoesNotContain('\n', key);

            // Distinct as Redis sees them: the UTF-8 bytes, where lone surrogates would all be U+FFFD.
            string bytes = Convert.ToHexString(Encoding.UTF8.GetBytes(key));
            Assert.False(keys.TryGetValue(bytes, out string? other), $"'{Show(value)}' and '{Show(other ?? "")}' give the same key {key}");
            keys[bytes] = value;

            // A template's own tag stays the template's: the value is escaped inside it.
            // (A tag longer than 64 characters is kept as its hash, still a tag of its own.)
            string tagged = RateLimitKey.Create($"{{tenant:{value}}}:x");
            string tag = RateLimitKey.HashTag(tagged).ToString();
            Assert.True(tag.StartsWith("tenant:", StringComparison.Ordinal) || (value.Length > 64 && tag.StartsWith("%#", StringComparison.Ordinal)), tag);
        }

        // A value cannot spell out the shortened form of another caller's long key.
        string longKey = RateLimitKey.Create($"doc:{Megabyte}");
        string forged = RateLimitKey.Create($"doc:{longKey["doc:".Length..]}");
        Assert.NotEqual(longKey, forged);
        Assert.Contains("%#", longKey);
        Assert.DoesNotContain("%#", forged);
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ShortenedKeysNeverSplitASurrogatePair(string kind)
    {
        // The readable head of a shortened key is its first 64 characters; here the 64th is the
        // first half of an emoji, which cut there would be a lone surrogate RedisCellLimiter refuses.
        string emoji = string.Concat(Enumerable.Repeat("🙂", 200));
        foreach (string key in new[] { RateLimitKey.Escape("x" + emoji), RateLimitKey.Create($"k:{"x" + emoji}"), RateLimitKey.Escape(emoji) })
        {
            Assert.True(key.Length <= RateLimitKey.MaxLength, $"{key.Length} chars");
            Assert.Equal(key, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(key))); // no lone surrogate
        }

        await using CellLimiter limiter = await Limiters.CreateAsync(kind, "surrogate-head");
        var rule = new RateLimitRule(new GcraPolicy(0, 1, 60), RateLimitKey.Escape("x" + emoji));
        Assert.False((await limiter.CheckAsync(rule)).Limited);
        Assert.True(limiter.Check(rule).Limited);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task HostileKeysAreUsedWholeWithATtlAndTouchNothingElse(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("hostile");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        IDatabase db = redis.GetDatabase();
        var policy = new GcraPolicy(1, 1, 60);
        var window = new FixedWindowPolicy(1, TimeSpan.FromMinutes(1));
        // A raw key with a lone surrogate would merge with others in Redis's UTF-8: refused.
        foreach (string value in HostileValues.Where(HasLoneSurrogate))
        {
            Assert.Throws<ArgumentException>(() => limiter.Check(new RateLimitRule(policy, "raw:" + value)));
            await Assert.ThrowsAsync<ArgumentException>(() => limiter.CheckAsync(new RateLimitRule(policy, "raw:" + value)).AsTask());
            Assert.Throws<ArgumentException>(() => limiter.Reset("raw:" + value));
        }

        foreach (string value in HostileValues.Where(v => !HasLoneSurrogate(v)))
        {
            // Raw keys straight into the rule: no escaping helps here, the limiter uses them as they are.
            string raw = "raw:" + value;
            Assert.True(limiter.Check(new RateLimitRule(policy, raw)).Allowed, Show(value));
            Assert.True((await limiter.CheckAsync(new RateLimitRule(window, "w:" + value))).Allowed, Show(value));
            Assert.NotNull(await db.KeyTimeToLiveAsync(prefix + raw));
            Assert.NotNull(await db.KeyTimeToLiveAsync(prefix + "w:" + value));
        }

        // Each key counted only its own calls: a pattern-like key touched no other.
        foreach (string value in HostileValues.Where(v => !HasLoneSurrogate(v)))
        {
            Assert.Equal(1, limiter.Check(new RateLimitRule(policy, "raw:" + value, 0)).Remaining);
            Assert.Equal(0, limiter.Check(new RateLimitRule(window, "w:" + value, 0)).Remaining);
        }

        // Resetting pattern-like keys deletes exactly them.
        await limiter.ResetAsync("raw:*");
        limiter.Reset("raw:[a-z]");
        Assert.Equal(2, limiter.Check(new RateLimitRule(policy, "raw:*", 0)).Remaining);
        Assert.Equal(2, limiter.Check(new RateLimitRule(policy, "raw:[a-z]", 0)).Remaining);
        Assert.Equal(1, limiter.Check(new RateLimitRule(policy, "raw:?", 0)).Remaining);
        Assert.Equal(1, limiter.Check(new RateLimitRule(policy, "raw:a:b", 0)).Remaining);
        Assert.True(await db.PingAsync() < TimeSpan.FromSeconds(5));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task TokenBudgetResetDeletesOnlyThatUserWhateverTheIdHolds(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("budgethostile");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        var budget = new TokenBudgetLimiter(100, limiter, keyPrefix: "llm:");
        foreach (string user in HostileValues) Assert.True((await budget.CheckAndConsumeAsync(user, 10)).Allowed, Show(user));

        foreach (string reset in new[] { "*", "[a-z]", "{victim}", "\uD800", Megabyte })
        {
            await budget.ResetAsync(reset);
            foreach (string user in HostileValues)
            {
                bool wasReset = user == reset || HostileValuesReset(user, reset);
                long remaining = await budget.GetRemainingAsync(user);
                Assert.True(remaining == (wasReset ? 100 : 90) || (remaining == 100 && WasResetEarlier(user, reset)), $"user '{Show(user)}' after resetting '{Show(reset)}': {remaining}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task WrongTypeValuesAreClearErrorsUnderEveryPolicyAndDoNotTripTheBreaker(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("wrongtype-hostile");
        IDatabase db = redis.GetDatabase();
        string tag = "{wt}";
        await db.ListRightPushAsync(prefix + tag + "list", "a");
        await db.StringSetAsync(prefix + tag + "text", "not a number", TimeSpan.FromMinutes(1));
        await db.StringSetAsync(prefix + tag + "future", "9223372036854775807", TimeSpan.FromMinutes(1)); // the last TAT of 2262
        try
        {
            foreach (FailureMode failurePolicy in Enum.GetValues<FailureMode>())
            {
                RedisCellOptions options = Engine.Options(prefix);
                options.Failure.Mode = failurePolicy;
                options.Failure.BreakAfterFailures = 1;
                using var limiter = new RedisCellLimiter(redis, options);
                var gcra = new GcraPolicy(4, 10, 60);
                var window = FixedWindowPolicy.PerSecond(5);
                foreach (string key in new[] { tag + "list", tag + "text" })
                {
                    Assert.Throws<RedisCellException>(() => limiter.Check(new RateLimitRule(gcra, key)));
                    await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(window, key)).AsTask());
                    var multi = Assert.Throws<RedisCellException>(() => limiter.Check([new RateLimitRule(gcra, tag + "fresh"), new RateLimitRule(window, key)]));
                    Assert.Contains("left untouched", multi.Message);
                }

                // The far-future TAT is state, not garbage: the call is refused until then.
                Assert.True(limiter.Check(new RateLimitRule(gcra, tag + "future")).Limited);

                // The server answered every time: the breaker stayed closed and nothing was written.
                Assert.True(limiter.Check(new RateLimitRule(gcra, tag + "ok")).Allowed);
                Assert.False(await db.KeyExistsAsync(prefix + tag + "fresh"));
            }

            Assert.Equal("a", (string?)await db.ListGetByIndexAsync(prefix + tag + "list", 0));
            Assert.Equal("not a number", (string?)await db.StringGetAsync(prefix + tag + "text"));
            Assert.Equal("9223372036854775807", (string?)await db.StringGetAsync(prefix + tag + "future"));
        }
        finally
        {
            foreach (string key in new[] { "list", "text", "future" }) await db.KeyDeleteAsync(prefix + tag + key);
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task StoredTimestampsBeyond63BitsAreClearErrorsAndLeftUntouched(string engine)
    {
        // Above long.MaxValue a TAT's durations no longer fit the result: "99999999999999999999"
        // came back as a Retry-After of 69,104 days.
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("tat-63");
        IDatabase db = redis.GetDatabase();
        string tag = "{tat}";
        string[] hostile = ["9223372036854775808", "18446744073709551616", "99999999999999999999", "999999999999999999999"];
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        var gcra = new GcraPolicy(4, 10, 60);
        try
        {
            for (int i = 0; i < hostile.Length; i++)
            {
                string key = tag + "h" + i;
                await db.StringSetAsync(prefix + key, hostile[i], TimeSpan.FromMinutes(1));
                var sync = Assert.Throws<RedisCellException>(() => limiter.Check(new RateLimitRule(gcra, key)));
                var async = await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(gcra, key)).AsTask());
                var multi = Assert.Throws<RedisCellException>(() => limiter.Check([new RateLimitRule(gcra, tag + "fresh"), new RateLimitRule(gcra, key)]));
                foreach (RedisCellException error in new[] { sync, async, multi })
                {
                    Assert.Contains(key, error.Message);
                    Assert.Contains("left untouched", error.Message);
                }

                Assert.Equal(hostile[i], (string?)await db.StringGetAsync(prefix + key));
            }

            // The largest TAT a 64-bit integer holds is still state: refused until then, on every path.
            await db.StringSetAsync(prefix + tag + "max", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMinutes(1));
            TimeSpan untilMax = DateTimeOffset.FromUnixTimeMilliseconds(long.MaxValue / 1_000_000) - DateTimeOffset.UtcNow;
            foreach (RateLimitResult result in new[]
            {
                limiter.Check(new RateLimitRule(gcra, tag + "max")),
                await limiter.CheckAsync(new RateLimitRule(gcra, tag + "max")),
                limiter.Check([new RateLimitRule(gcra, tag + "fresh"), new RateLimitRule(gcra, tag + "max")]),
            })
            {
                Assert.True(result.Limited);
                Assert.InRange(result.ResetAfter, untilMax - TimeSpan.FromMinutes(1), untilMax + TimeSpan.FromMinutes(1));
                Assert.InRange(result.RetryAfter, untilMax - TimeSpan.FromMinutes(2), untilMax);
            }

            Assert.False(await db.KeyExistsAsync(prefix + tag + "fresh"));
        }
        finally
        {
            for (int i = 0; i < hostile.Length; i++) await db.KeyDeleteAsync(prefix + tag + "h" + i);
            await db.KeyDeleteAsync(prefix + tag + "max");
        }
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ATimestampThatWouldPass63BitsIsNotWritten(string kind)
    {
        // A tolerance of 285 years is valid, but from 2026 the TAT it allows reaches past 2262:
        // a value every limiter would then refuse to read. The call is an error and writes nothing.
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "tat-63-write");
        var farReaching = new GcraPolicy(0, 1, 9_000_000_000);
        var error = await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(new RateLimitRule(farReaching, "far")).AsTask());
        Assert.Contains("far", error.Message);
        Assert.Contains("left untouched", error.Message);
        Assert.Throws<RedisCellException>(() => limiter.Check([new RateLimitRule(farReaching, "far"), new RateLimitRule(new GcraPolicy(1, 1, 1), "near")]));

        // Nothing was written: a read (quantity 0) sees a fresh key.
        RateLimitResult peek = await limiter.CheckAsync(new RateLimitRule(farReaching, "far", 0));
        Assert.Equal(TimeSpan.Zero, peek.ResetAfter);
        Assert.Equal(0, (await limiter.CheckAsync(new RateLimitRule(new GcraPolicy(1, 1, 1), "near", 0))).ResetAfter.Ticks);
    }

    [Fact]
    public void HugeAndNegativeNumbersAreRejectedBeforeAnyIo()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(-1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(long.MaxValue, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(1, long.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(1, 1, long.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcraPolicy(GcraPolicy.MaxBurstLimit, 1, GcraPolicy.MaxPeriodSeconds));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(-5, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedWindowPolicy(5, TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimitRule(new GcraPolicy(1, 1, 1), "k", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimitRule(new GcraPolicy(1, 1, 1), "k", long.MinValue));
    }

    public static TheoryData<string, Action<RedisCellOptions>> BadOptions => new()
    {
        { "Failure.Timeout", o => o.Failure.Timeout = TimeSpan.Zero },
        { "Failure.Timeout", o => o.Failure.Timeout = TimeSpan.FromMilliseconds(-100) },
        { "Failure.Timeout", o => o.Failure.Timeout = TimeSpan.MaxValue },
        { "Failure.BreakAfterFailures", o => o.Failure.BreakAfterFailures = 0 },
        { "Failure.BreakAfterFailures", o => o.Failure.BreakAfterFailures = int.MinValue },
        { "Failure.BreakDuration", o => o.Failure.BreakDuration = TimeSpan.Zero },
        { "Failure.BreakDuration", o => o.Failure.BreakDuration = TimeSpan.FromDays(2) },
        { "Failure.LocalShare", o => o.Failure.LocalShare = 0 },
        { "Failure.LocalShare", o => o.Failure.LocalShare = -0.5 },
        { "Failure.LocalShare", o => o.Failure.LocalShare = 1.5 },
        { "Failure.LocalShare", o => o.Failure.LocalShare = double.NaN },
        { "Failure.LocalShare", o => o.Failure.LocalShare = double.PositiveInfinity },
        { "Failure.LogInterval", o => o.Failure.LogInterval = TimeSpan.FromSeconds(-1) },
        { "Failure.Mode", o => o.Failure.Mode = (FailureMode)42 },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task BadReliabilityOptionsAreRejectedNamingTheOption(string option, Action<RedisCellOptions> spoil)
    {
        var options = new RedisCellOptions();
        spoil(options);
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(option, ex.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => RedisCellLimiter.ConnectAsync("127.0.0.1:1", options));
    }

    private static bool HasLoneSurrogate(string value) => value.EnumerateRunes().Any(r => r == Rune.ReplacementChar);

    private static bool HostileValuesReset(string user, string reset) => user == reset;

    // Users reset by an earlier iteration of the loop stay at their full budget.
    private static bool WasResetEarlier(string user, string reset)
    {
        string[] order = ["*", "[a-z]", "{victim}", "\uD800", Megabyte];
        int index = Array.IndexOf(order, reset);
        return Array.IndexOf(order, user) is int u && u >= 0 && u < index;
    }

    private static string Show(string value) => value.Length > 40 ? $"{value[..10]}…({value.Length} chars)" : value.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0");
}
