using RedisCell.Aspects;

namespace Shop;

public interface ICounter
{
    [RatePerSecond(10)]
    void Inc();
}

public struct Counter : ICounter
{
    public int Value;

    public void Inc() => Value++;
}

public static class Bumps
{
    // May be a struct: an interceptor taking ICounter would box it and lose the increment, so the
    // call is left alone (the RCA009 analyzer warns).
    public static void Bump<T>(ref T c) where T : ICounter => c.Inc();

    // A reference type: intercepted.
    public static void BumpClass<T>(T c) where T : class, ICounter => c.Inc();

    public static void BumpInterface(ICounter c) => c.Inc();
}
