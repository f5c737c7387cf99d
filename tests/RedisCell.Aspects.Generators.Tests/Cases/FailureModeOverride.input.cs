using RedisCell.Aspects;

namespace Shop;

public static class Payments
{
    [Throttle("pay:{account}", 5, 10, 1, FailureMode = FailureMode.FailClosed)]
    [RatePerSecond(100, FailureMode = FailureMode.Local)]
    public static void Charge(string account)
    {
    }

    [TokenBudget("pay-tokens:{account}", 1000, FailureMode = FailureMode.FailOpen)]
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
