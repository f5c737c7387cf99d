using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// Quantity = nameof(n) charges the parameter's value (0 only reads; a negative value throws before
// the limiter is asked). Integer types up to long pass as they are.
public static class Uploads
{
    [Gcra(4, 1, 60, Quantity = nameof(n))]
    public static void Take(int n)
    {
    }

    [Throttle("user:{user}", 9, 10, 60, Quantity = nameof(files))]
    public static Task UploadAsync(string user, short files) => Task.CompletedTask;

    [RatePerSecond(1000, Key = "bytes:{user}", Quantity = nameof(bytes))]
    public static void Send(string user, long bytes)
    {
    }

    // Each attribute charges its own quantity: one call, the files, the other, 1.
    [Throttle("batch:{user}", 9, 10, 60, Quantity = nameof(files))]
    [Gcra(0, 100, 1)]
    public static void Batch(string user, uint files)
    {
    }
}

public static class Caller
{
    public static async Task Run()
    {
        Uploads.Take(3);
        await Uploads.UploadAsync("ann", 2);
        Uploads.Send("ann", 4096);
        Uploads.Batch("ann", 7);
    }
}
