using RedisCell.Aspects;
using RedisCell.Aspects.TokenBudget;

namespace TokenBudgetSample;

/// <summary>
/// The front door of a language-model API: every request is charged its estimated tokens against the
/// user's per-minute budget before the model is called. A refused request costs nothing.
/// </summary>
public sealed class LlmGateway(TokenBudgetLimiter budget)
{
    /// <summary>What the gateway answered.</summary>
    public sealed record Reply(bool Served, long ChargedTokens, long RemainingTokens, TimeSpan RefillsIn, string Text);

    /// <summary>
    /// Estimates the tokens a request will use (its prompt, about four characters a token for English
    /// text, plus the most it may generate), charges them, and calls the model when the budget allows.
    /// </summary>
    public async Task<Reply> CompleteAsync(string userId, string prompt, int maxOutputTokens, CancellationToken cancellationToken = default)
    {
        long estimate = EstimateTokens(prompt) + maxOutputTokens;
        RateLimitResult charge = await budget.CheckAndConsumeAsync(userId, estimate, cancellationToken);
        if (charge.Limited)
        {
            return new Reply(false, 0, charge.Remaining, charge.ResetAfter, $"429: this request needs ~{estimate} tokens, {charge.Remaining} left this minute");
        }

        string answer = $"(model output for \"{Shorten(prompt)}\")";
        return new Reply(true, estimate, charge.Remaining, charge.ResetAfter, answer);
    }

    /// <summary>What <paramref name="userId"/> can still spend this minute, without charging anything.</summary>
    public ValueTask<long> RemainingAsync(string userId) => budget.GetRemainingAsync(userId);

    /// <summary>Gives a user a fresh budget (a support action); no other user's budget is touched.</summary>
    public ValueTask ResetAsync(string userId) => budget.ResetAsync(userId);

    // A real gateway would count with the model's tokenizer; the budget logic does not change.
    public static long EstimateTokens(string text) => (text.Length + 3) / 4;

    private static string Shorten(string text) => text.Length <= 32 ? text : text[..29] + "...";
}
