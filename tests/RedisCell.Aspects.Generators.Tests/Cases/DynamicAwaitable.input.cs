using System.Collections.Generic;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// Dynamic parameters of awaitable methods: the forwarded call binds at run time, and its dynamic
// result becomes the declared return type.
public class Relay
{
    [RatePerSecond(10)]
    public static Task<int> OneAsync(dynamic value) => Task.FromResult(1);

    [RatePerSecond(10)]
    public static Task TwoAsync(dynamic value, int count) => Task.CompletedTask;

    [RatePerSecond(10)]
    public ValueTask ThreeAsync(dynamic value) => default;

    [RatePerSecond(10)]
    public static async IAsyncEnumerable<int> FourAsync(dynamic value)
    {
        await Task.Yield();
        yield return 4;
    }
}

public partial class PartialRelay
{
    [RatePerSecond(10)]
    public static partial Task<int> FiveAsync(dynamic? value);

    private static Task<int> FiveAsyncCore(dynamic? value) => Task.FromResult(5);
}

public static class Caller
{
    public static async Task<int> Run()
    {
        int sum = await Relay.OneAsync(1);
        await Relay.TwoAsync("x", 2);
        await new Relay().ThreeAsync(3.0);
        await foreach (int n in Relay.FourAsync(4)) sum += n;
        return sum + await PartialRelay.FiveAsync(null);
    }
}
