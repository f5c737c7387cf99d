using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public static partial class Payments
{
    // Both attributes ask the limiter registered as "payments", together.
    [Throttle("pay:{account}", 5, 10, 1, Limiter = "payments")]
    [RatePerSecond(100, Limiter = "payments")]
    public static void Charge(string account)
    {
    }

    [Gcra(1, 2, 3, Limiter = "payments \"eu\"")]
    public static Task RefundAsync(string account) => Task.CompletedTask;

    // Partial mode names it too.
    [Gcra(1, 2, 3, Limiter = "payments")]
    public static partial void Audit();

    private static void AuditCore()
    {
    }

    // RCA022: one limiter decides a call's limits together.
    [Gcra(1, 2, 3, Limiter = "payments")]
    [RatePerSecond(100)]
    public static void Mixed()
    {
    }
}

public static class Caller
{
    public static async Task Run()
    {
        Payments.Charge("a");
        await Payments.RefundAsync("a");
        Payments.Audit();
    }
}
