using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public static class Cache
{
    [RatePerSecond(50)]
    public static ValueTask WarmAsync() => default;

    [RatePerSecond(50)]
    public static ValueTask<string?> GetAsync(string key) => new((string?)null);
}

public static class Caller
{
    public static async ValueTask<string?> Run()
    {
        await Cache.WarmAsync();
        return await Cache.GetAsync("k");
    }
}
