using RedisCell.Aspects;

namespace Shop;

public static class Search
{
    [RatePerSecond(10)]
    public static string Find(int id) => id.ToString();

    [RatePerSecond(20)]
    public static string Find(string name) => name;

    [RatePerSecond(30)]
    public static string Find(string name, int limit) => name + limit;
}

public static class Caller
{
    public static string Run() => Search.Find(1) + Search.Find("a") + Search.Find("b", 2);
}
