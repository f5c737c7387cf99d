using RedisCell.Aspects;

namespace Shop;

public sealed class Customer
{
    public int Id { get; init; }
}

public static class Broken
{
    [Gcra(-1, 10, 1)]
    public static void NegativeBurst() { }

    [Gcra(1, 2_000_000, 1)]
    public static void IntervalTooShort() { }

    [RatePerSecond(0)]
    public static void ZeroRate() { }

    [Throttle("user:{userId", 1, 1, 1)]
    public static void Unclosed(int userId) { }

    [Throttle("user:}", 1, 1, 1)]
    public static void StrayBrace(int userId) { }

    [Throttle("user:{user}", 1, 1, 1)]
    public static void UnknownParameter(int userId) { }

    [Throttle("user:{usrId}", 1, 1, 1)]
    public static void MisspeltParameter(int userId) { }

    [Throttle("user:{customer.Name}", 1, 1, 1)]
    public static void UnknownMember(Customer customer) { }

    [Throttle("user:{result}", 1, 1, 1)]
    public static void OutInKey(out int result) => result = 0;

    [TokenBudget("t:{user}", 10, Cost = "count")]
    public static void MissingCost(string user) { }

    [TokenBudget("t:{user}", 10, Cost = nameof(cost))]
    public static void NonIntegerCost(string user, double cost) { }

    [RatePerSecond(1_000_000_000_000_000)]
    public static void RateBeyondTheScriptsCount() { }
}

public static class Caller
{
    public static void Run() => Broken.ZeroRate();
}
