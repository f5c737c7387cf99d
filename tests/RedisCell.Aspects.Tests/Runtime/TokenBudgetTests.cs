using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>The LLM gateway's per-user token budget (SPEC §3).</summary>
public sealed class TokenBudgetTests
{
    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ChargesTokensAndRefusesWithoutConsuming(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "budget");
        using var budget = new TokenBudgetLimiter(limiter, tokensPerMinute: 5000);

        Assert.Equal(5000, await budget.GetRemainingAsync("alice"));
        RateLimitResult first = await budget.CheckAndConsumeAsync("alice", 3000);
        Assert.True(first.Allowed);
        Assert.Equal(2000, first.Remaining);
        Assert.InRange(first.ResetAfter, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));

        RateLimitResult refused = await budget.CheckAndConsumeAsync("alice", 2500);
        Assert.True(refused.Limited);
        Assert.Equal(2000, refused.Remaining);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        Assert.Equal(2000, await budget.GetRemainingAsync("alice"));

        Assert.True((await budget.CheckAndConsumeAsync("alice", 2000)).Allowed);
        Assert.Equal(0, await budget.GetRemainingAsync("alice"));
        Assert.Equal(5000, await budget.GetRemainingAsync("bob"));
    }

    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ResetTouchesOnlyThatUserWhateverTheIdHolds(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "budgetreset");
        using var budget = new TokenBudgetLimiter(limiter, 100, keyPrefix: "llm:");
        string[] users = ["*", "a*", "ab", "a?", "a[b]c", "user:1", "user", "{tag}", "%2A", "x\ny", "ünï"];
        foreach (string user in users) Assert.True((await budget.CheckAndConsumeAsync(user, 10)).Allowed);

        await budget.ResetAsync("*");
        await budget.ResetAsync("a[b]c");
        await budget.ResetAsync("user:1");
        foreach (string user in users)
        {
            long expected = user is "*" or "a[b]c" or "user:1" ? 100 : 90;
            Assert.True(expected == await budget.GetRemainingAsync(user), $"user {user}");
        }
    }

    [Fact]
    public void UserIdsCannotForgeEachOthersKeys()
    {
        using var budget = new TokenBudgetLimiter(new InProcessCellLimiter(), 100, keyPrefix: "llm:");
        string[] ids = ["a:b", "a%3Ab", "a", "", "{x}", "%7Bx%7D", "a\nb"];
        string[] keys = ids.Select(budget.KeyFor).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith("llm:", k));
        Assert.All(keys, k => Assert.DoesNotContain('{', k));
    }

    [Theory]
    [MemberData(nameof(Engine.All), MemberType = typeof(Engine))]
    public async Task BuildsFromAConnectionString(string engine)
    {
        ConnectionMultiplexer redis = await Engine.ConnectionAsync(engine);
        string configuration = redis.Configuration;
        await using TokenBudgetLimiter budget = TokenBudgetLimiter.Connect(configuration, 50, Engine.UniquePrefix("budgetconnect"), Engine.Options(RedisCellOptions.DefaultKeyPrefix));
        Assert.True((await budget.CheckAndConsumeAsync("u", 50)).Allowed);
        Assert.True((await budget.CheckAndConsumeAsync("u", 1)).Limited);
        await using var onExisting = new TokenBudgetLimiter(redis, 50, Engine.UniquePrefix("budgetmux"), Engine.Options(RedisCellOptions.DefaultKeyPrefix));
        Assert.Equal(50, await onExisting.GetRemainingAsync("u"));
    }

    [Fact]
    public async Task ConnectValidatesBeforeConnectingAndLeavesNoConnectionBehind()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartAsync();
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IServer redis = admin.GetServer(admin.GetEndPoints()[0]);
        int before = (await redis.ClientListAsync()).Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => TokenBudgetLimiter.Connect(server.Configuration, 0));
        Assert.Throws<ArgumentNullException>(() => TokenBudgetLimiter.Connect(server.Configuration, 10, keyPrefix: null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TokenBudgetLimiter.ConnectAsync(server.Configuration, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetLimiter(admin, 0));

        // A connection opened and abandoned would stay connected (its timers keep it alive).
        Assert.Equal(before, (await redis.ClientListAsync()).Length);
    }

    [Fact]
    public async Task RejectsNegativeTokensBeforeAnyIo()
    {
        using var budget = new TokenBudgetLimiter(new InProcessCellLimiter(), 100);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => budget.CheckAndConsumeAsync("u", -1).AsTask());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetLimiter(new InProcessCellLimiter(), 0));
    }
}
