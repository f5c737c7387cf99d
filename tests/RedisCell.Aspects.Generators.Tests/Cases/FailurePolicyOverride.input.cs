using RedisCell.Aspects;

namespace Shop;

public static class Payments
{
    [Throttle("pay:{account}", 5, 10, 1, FailurePolicy = RateLimiterFailurePolicy.FailClosed)]
    [RatePerSecond(100, FailurePolicy = RateLimiterFailurePolicy.Local)]
    public static void Charge(string account)
    {
    }

    [TokenBudget("pay-tokens:{account}", 1000, FailurePolicy = RateLimiterFailurePolicy.FailOpen)]
    public static void Refund(string account)
    {
    }
}

public static class Caller
{
    public static void Run()
    {
        Payments.Charge("a");
        Payments.Refund("a");
    }
}
