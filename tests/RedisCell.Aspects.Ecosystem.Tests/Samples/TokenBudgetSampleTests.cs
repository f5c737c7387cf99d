using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using TokenBudgetSample;

namespace RedisCell.Aspects.Ecosystem.Tests.Samples;

public sealed class TokenBudgetSampleTests
{
    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task TheScriptedMinuteRefusesOnlyTheRequestTheBudgetCannotCover(string engine)
    {
        string configuration = (await Servers.ConnectionAsync(engine)).Configuration;
        var output = new StringWriter();
        IReadOnlyList<LlmGateway.Reply> replies = await Demo.RunAsync(configuration, output, Servers.Options(RedisCellOptions.DefaultKeyPrefix));

        Assert.Equal([true, true, true, true, false, true], replies.Select(r => r.Served));
        LlmGateway.Reply refused = replies[4];
        Assert.Equal(0, refused.ChargedTokens);

        // Alice spent 314 + 1010 + 109 of 2000; the refused request (~609 tokens) cost nothing.
        Assert.Equal(Demo.TokensPerMinute - 314 - 1010 - 109, refused.RemainingTokens);
        Assert.InRange(refused.RefillsIn, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.Equal(Demo.TokensPerMinute - 210 - 261, replies[5].RemainingTokens);
        Assert.Contains("Support reset alice's budget: 2000 tokens; bob still has 1529.", output.ToString());
    }
}
