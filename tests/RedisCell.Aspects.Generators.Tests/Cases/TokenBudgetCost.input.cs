using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public sealed partial class Gateway
{
    [TokenBudget("user:{userId}", 5000, Cost = nameof(tokens))]
    public partial ValueTask<string> CompleteAsync(string userId, string prompt, int tokens);

    private ValueTask<string> CompleteAsyncCore(string userId, string prompt, int tokens) => new(prompt);

    [TokenBudget("org:{org}", 100000, Cost = nameof(tokens))]
    public static ulong Embed(string org, ulong tokens) => tokens;
}

public static class Caller
{
    public static ulong Run() => Gateway.Embed("acme", 10);
}
