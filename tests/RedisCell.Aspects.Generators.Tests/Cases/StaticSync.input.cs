using RedisCell.Aspects;

namespace Shop;

public static class Catalog
{
    [RatePerSecond(100)]
    public static int Lookup(int id) => id * 2;

    [RatePerSecond(5)]
    public static void Touch()
    {
    }
}

public static class Caller
{
    public static int Run()
    {
        Catalog.Touch();
        return Catalog.Lookup(21) + Catalog.Lookup(1);
    }
}
