using System;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// A type parameter that allows ref structs cannot be captured by an async helper: the limiter is
// asked synchronously, as for a ref struct parameter.
public static class Spans
{
    [RatePerSecond(10)]
    public static Task Consume<T>(T value) where T : allows ref struct => Task.CompletedTask;

    [RatePerSecond(10)]
    public static ValueTask<int> Measure<T>(int id, T value) where T : allows ref struct => new(id);
}

public static class Caller
{
    public static async Task<int> Run()
    {
        await Spans.Consume(1);
        return await Spans.Measure(2, "x");
    }
}
