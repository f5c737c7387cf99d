using RedisCell.Aspects.Redis;
using RedisCell.Aspects.TokenBudget;

namespace TokenBudgetSample;

/// <summary>A scripted minute of traffic through the gateway: two users, one of whom runs out of budget.</summary>
public static class Demo
{
    public const long TokensPerMinute = 2_000;

    public static async Task<IReadOnlyList<LlmGateway.Reply>> RunAsync(string redisConfiguration, TextWriter output, RedisCellOptions? options = null)
    {
        // Each run gets its own key prefix, so a rerun within the minute starts with full budgets.
        string prefix = $"llm-budget:{Guid.NewGuid():N}:";
        await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(redisConfiguration, options);
        var budget = new TokenBudgetLimiter(TokensPerMinute, limiter, prefix);
        var gateway = new LlmGateway(budget);
        var replies = new List<LlmGateway.Reply>();

        output.WriteLine($"Budget: {TokensPerMinute} tokens per user per minute.");
        output.WriteLine();

        var traffic = new (string User, string Prompt, int MaxOutput)[]
        {
            ("alice", "Summarise the quarterly report in three bullet points.", 300),
            ("alice", new string('x', 2400) + " Translate this contract into French.", 400),
            ("bob", "What is a generic cell rate algorithm?", 200),
            ("alice", "Now write a haiku about rate limits.", 100),
            ("alice", "And a limerick about Redis, please.", 600),
            ("bob", "Explain token buckets to a five-year-old.", 250),
        };

        foreach ((string user, string prompt, int maxOutput) in traffic)
        {
            LlmGateway.Reply reply = await gateway.CompleteAsync(user, prompt, maxOutput);
            replies.Add(reply);
            string verdict = reply.Served ? $"served, charged {reply.ChargedTokens,4}" : "REFUSED          ";
            output.WriteLine($"{user,-6} {verdict}  remaining {reply.RemainingTokens,4}  refills in {reply.RefillsIn.TotalSeconds,4:0}s  {reply.Text}");
        }

        output.WriteLine();
        output.WriteLine($"alice has {await gateway.RemainingAsync("alice")} tokens left, bob {await gateway.RemainingAsync("bob")}.");
        await gateway.ResetAsync("alice");
        output.WriteLine($"Support reset alice's budget: {await gateway.RemainingAsync("alice")} tokens; bob still has {await gateway.RemainingAsync("bob")}.");
        return replies;
    }
}
