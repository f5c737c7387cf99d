using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// Redis Cluster (three local masters): every script touches one slot, and a multi-rule check
/// whose keys fall in different slots is co-located under a hash tag derived from its policies.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ClusterTests
{
    private static readonly GcraPolicy PerUser = new(4, 10, 60);
    private static readonly FixedWindowPolicy Global = new(7, TimeSpan.FromMinutes(1));

    public static TheoryData<string> Engines => Engine.All;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task AMultiRuleCheckAcrossSlotsIsAtomicAndItsGlobalKeyIsOneCounter(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("colocate");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        if (engine == Engine.Cluster)
        {
            // Different slots as written: the call must be co-located to run as one script.
            Assert.NotEqual(redis.GetHashSlot(prefix + "user:1"), redis.GetHashSlot(prefix + "global"));
        }

        // Seven calls from seven users share the one global window; the eighth user is refused by it
        // and consumes nothing of its own per-user limit.
        for (int user = 1; user <= 7; user++)
        {
            Assert.True(limiter.Check([new RateLimitRule(PerUser, $"user:{user}"), new RateLimitRule(Global, "global")]).Allowed, $"user {user}");
        }

        RateLimitResult refused = await limiter.CheckAsync(new[] { new RateLimitRule(PerUser, "user:8"), new RateLimitRule(Global, "global") });
        Assert.True(refused.Limited);
        Assert.Equal("global", refused.Rule.Key);

        // The order of the rules does not change where the keys live: the peek in reverse order sees
        // the seven calls on the global window.
        RateLimitResult peek = limiter.Check([new RateLimitRule(Global, "global", 0), new RateLimitRule(PerUser, "user:8", 0)]);
        Assert.Equal(("global", 0L), (peek.Rule.Key, peek.Remaining));

        if (engine == Engine.Cluster)
        {
            string tag = RedisKeys.ColocationTag([new RateLimitRule(PerUser, "x"), new RateLimitRule(Global, "y")]);
            Assert.Equal(tag, RedisKeys.ColocationTag([new RateLimitRule(Global, "y"), new RateLimitRule(PerUser, "x")]));
            IDatabase db = redis.GetDatabase();
            Assert.Equal("7", (string?)await db.StringGetAsync(prefix + tag + "global"));
            Assert.True(await db.KeyExistsAsync(prefix + tag + "user:1"));
            Assert.False(await db.KeyExistsAsync(prefix + "global"));
        }
        else
        {
            // A single server computes no slot and keeps the keys as written.
            Assert.Equal("7", (string?)await redis.GetDatabase().StringGetAsync(prefix + "global"));
        }
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ResettingOneRuleOfACombinationResetsWhatThatCombinationStored(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "reset-combination");
        var wide = new FixedWindowPolicy(8, TimeSpan.FromMinutes(1));
        RateLimitRule[] rules = [new(PerUser, "user:42"), new(wide, "global")];
        for (int i = 0; i < 5; i++) Assert.True(limiter.Check(rules).Allowed);
        Assert.Equal("user:42", limiter.Check(rules).Rule.Key); // limited: user:42 has spent its burst of five

        // Off a cluster the combination keeps user:42 under its own name; on one it does not.
        limiter.Reset("user:42");
        bool cluster = kind == Engine.Cluster;
        Assert.Equal(!cluster, limiter.Check(rules).Allowed);

        limiter.Reset("user:42", rules);
        Assert.True((await limiter.CheckAsync(rules)).Allowed);

        // The other rule kept its count: eight per window, seven (six on the cluster) spent so far.
        RateLimitRule[] another = [new(PerUser, "user:7"), new(wide, "global")];
        for (int i = 0; i < (cluster ? 2 : 1); i++) Assert.True(limiter.Check(another).Allowed);
        RateLimitResult full = limiter.Check(another);
        Assert.True(full.Limited);
        Assert.Equal("global", full.Rule.Key);

        // The token budget, checked with another rule, the same way.
        var budget = new TokenBudgetLimiter(100, limiter, "budget:");
        RateLimitRule[] withBudget = [new(budget.Policy, budget.KeyFor("ann"), 100), new(wide, "global", 0)];
        Assert.True((await limiter.CheckAsync(withBudget)).Allowed);
        Assert.True((await limiter.CheckAsync(withBudget)).Limited);
        await budget.ResetAsync("ann", withBudget);
        Assert.True((await limiter.CheckAsync(withBudget)).Allowed);

        Assert.Throws<ArgumentException>(() => limiter.Reset("user:43", rules));
        await Assert.ThrowsAsync<ArgumentException>(() => budget.ResetAsync("bob", withBudget).AsTask());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task KeysThatShareAHashTagAreKeptAsWritten(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string prefix = Engine.UniquePrefix("tagged");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        string minute = RateLimitKey.Create($"{{user:{42}}}:minute");
        string tokens = RateLimitKey.Create($"{{user:{42}}}:tokens");
        Assert.True((await limiter.CheckAsync(new[] { new RateLimitRule(PerUser, minute), new RateLimitRule(Global, tokens, 3) })).Allowed);

        // The single-rule check reads the same key the multi-rule check wrote.
        Assert.Equal(4, (await limiter.CheckAsync(new RateLimitRule(PerUser, minute, 0))).Remaining); // 5 - 1
        Assert.Equal(4, (await limiter.CheckAsync(new RateLimitRule(Global, tokens, 0))).Remaining); // 7 - 3
    }

    [Fact]
    public async Task EveryScriptCallTouchesOneSlot()
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(Engine.Cluster);
        string prefix = Engine.UniquePrefix("oneslot");
        using var limiter = new RedisCellLimiter(redis, Engine.Options(prefix));
        var random = new Random(6);
        int[] rulesPerCall = new int[40];
        for (int call = 0; call < rulesPerCall.Length; call++)
        {
            // Up to five rules whose keys, as written, fall in any slots; every key names its call,
            // and each is new, so every call is allowed and writes every key.
            RateLimitRule[] rules = Enumerable.Range(0, random.Next(1, 6))
                .Select(i => new RateLimitRule(i % 2 == 0 ? PerUser : Global, $"c{call}:r{i}:{random.Next(1000)}"))
                .ToArray();
            rulesPerCall[call] = rules.Length;
            RateLimitResult result = call % 2 == 0 ? limiter.Check(rules) : await limiter.CheckAsync(rules);
            Assert.True(result.Allowed);
        }

        // Where the keys are, as the cluster itself says: the node each was found on, and its slot
        // from CLUSTER KEYSLOT (not StackExchange.Redis's own hashing, which routes the call).
        var written = new List<(int Call, string Key, string Node, long Slot)>();
        foreach (IServer node in Engine.Primaries(redis))
        {
            await foreach (RedisKey key in node.KeysAsync(pattern: prefix + "*", pageSize: 500))
            {
                var match = System.Text.RegularExpressions.Regex.Match((string)key!, @"c(\d+):r\d+:\d+$");
                Assert.True(match.Success, $"an unexpected key {key}");
                long slot = (long)await node.ExecuteAsync("CLUSTER", "KEYSLOT", (string)key!);
                written.Add((int.Parse(match.Groups[1].Value), (string)key!, node.EndPoint.ToString()!, slot));
            }
        }

        for (int call = 0; call < rulesPerCall.Length; call++)
        {
            var keys = written.Where(w => w.Call == call).ToArray();
            Assert.True(keys.Length == rulesPerCall[call], $"call {call} had {rulesPerCall[call]} rules, {keys.Length} keys were found");
            Assert.True(keys.Select(k => k.Slot).Distinct().Count() == 1, $"call {call} wrote to slots {string.Join(", ", keys.Select(k => $"{k.Key}@{k.Slot}"))}");
            Assert.Single(keys.Select(k => k.Node).Distinct());
        }

        // The calls were spread over the cluster, not all on one slot by accident.
        Assert.True(written.Select(w => w.Node).Distinct().Count() >= 2, "every call landed on one node");
    }
}
