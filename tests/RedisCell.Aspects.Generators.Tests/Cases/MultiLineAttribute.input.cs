using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// Attributes written over several lines end up in a one-line comment of the generated code.
public sealed partial class Gateway
{
    [TokenBudget("user:{userId}", 5000,
        Cost = nameof(tokens))]
    public partial ValueTask<string> CompleteAsync(string userId, string prompt, int tokens);

    private ValueTask<string> CompleteAsyncCore(string userId, string prompt, int tokens) => new(prompt);

    [TokenBudget(
        "org:{org}",
        100000,
        Cost = nameof(tokens))]
    public static long Embed(string org, long tokens) => tokens;
}

public static class Caller
{
    public static long Run() => Gateway.Embed("acme", 10);
}
