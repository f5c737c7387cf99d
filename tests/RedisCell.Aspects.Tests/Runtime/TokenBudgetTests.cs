using RedisCell.Aspects.Tests.Infrastructure;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>The LLM gateway's per-user token budget (SPEC §3).</summary>
public sealed class TokenBudgetTests
{
    [Theory]
    [MemberData(nameof(Limiters.All), MemberType = typeof(Limiters))]
    public async Task ChargesTokensAndRefusesWithoutConsuming(string kind)
    {
        using CellLimiter limiter = await Limiters.CreateAsync(kind, "budget");
        var budget = new TokenBudgetLimiter(tokensPerMinute: 5000, limiter);

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
        var budget = new TokenBudgetLimiter(100, limiter, keyPrefix: "llm:");
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
        var budget = new TokenBudgetLimiter(100, new InProcessCellLimiter(), keyPrefix: "llm:");
        string[] ids = ["a:b", "a%3Ab", "a", "", "{x}", "%7Bx%7D", "a\nb"];
        string[] keys = ids.Select(budget.KeyFor).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith("llm:", k));
        Assert.All(keys, k => Assert.DoesNotContain('{', k));
    }

    [Fact]
    public async Task WithoutALimiterTheSharedOneDecidesAtEachCall()
    {
        var budget = new TokenBudgetLimiter(50);
        using var first = new InProcessCellLimiter();
        using var second = new InProcessCellLimiter();
        CellLimiter? before = SharedLimiter.Exchange(first);
        try
        {
            Assert.True((await budget.CheckAndConsumeAsync("u", 50)).Allowed);
            Assert.True((await budget.CheckAndConsumeAsync("u", 1)).Limited);
            SharedLimiter.Exchange(second);
            Assert.Equal(50, await budget.GetRemainingAsync("u"));
        }
        finally
        {
            SharedLimiter.Exchange(before);
        }
    }

    [Fact]
    public async Task RejectsNegativeTokensBeforeAnyIo()
    {
        var budget = new TokenBudgetLimiter(100, new InProcessCellLimiter());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => budget.CheckAndConsumeAsync("u", -1).AsTask());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetLimiter(0));
        Assert.Throws<ArgumentNullException>(() => new TokenBudgetLimiter(10, keyPrefix: null!));
    }
}
