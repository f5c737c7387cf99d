using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public static class Llm
{
    [RatePerSecond(100)]
    [Throttle("user:{user}", 15, 30, 60)]
    [TokenBudget("tokens:{user}", 5000, Cost = nameof(tokens))]
    public static Task<string> CompleteAsync(string user, string prompt, int tokens) => Task.FromResult(prompt);

    [Gcra(1, 2, 1)]
    [Throttle("user:{user}", 15, 30, 60)]
    public static string CompleteSync(string user) => user;
}

public static class Caller
{
    public static async Task<string> Run() => await Llm.CompleteAsync("ann", "hi", 120) + Llm.CompleteSync("ann");
}
