using RedisCell.Aspects;

namespace Shop;

public struct Counter
{
    public int Count;

    [Gcra(5, 10, 1)]
    public void Increment() => Count++;

    [Gcra(5, 10, 1)]
    public readonly int Peek() => Count;
}

public readonly struct Point
{
    public int X { get; init; }

    [Throttle("point:{x}", 5, 10, 1)]
    public int Shift(int x) => X + x;
}

public static class Caller
{
    public static int Run()
    {
        var counter = new Counter();
        counter.Increment();
        return counter.Peek() + new Point().Shift(1);
    }
}
