using System.Collections.Generic;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// Calls bound to an interface, abstract, virtual or override member can run a partial-mode body:
// their interceptors mark what they decided while the call runs.
public interface IOrders
{
    [Throttle("user:{userId}", 1, 1, 60)]
    int Get(string userId);

    [Throttle("user:{userId}", 1, 1, 60)]
    Task<int> GetAsync(string userId);

    [Throttle("user:{userId}", 1, 1, 60)]
    [RatePerSecond(5, Key = "orders")]
    void Place(string userId, ref int total);

    [Throttle("user:{userId}", 1, 1, 60, Limiter = "billing")]
    [RatePerSecond(5, Key = "orders", Limiter = "billing")]
    ValueTask PlaceAsync(string userId);

    [Gcra(1, 1, 60)]
    IAsyncEnumerable<int> StreamAsync();
}

public abstract class Store
{
    [Gcra(1, 1, 60)]
    public abstract int Count();

    [Gcra(1, 1, 60)]
    public virtual string Name() => "store";
}

public sealed class Shelf : Store
{
    public override int Count() => 1;

    // Nothing can override it: its calls run this body, and are not marked.
    [Gcra(1, 1, 60)]
    public override string Name() => "shelf";
}

public static class Caller
{
    public static async Task Run(IOrders orders, Store store, Shelf shelf)
    {
        int total = 0;
        _ = orders.Get("a");
        _ = await orders.GetAsync("a");
        orders.Place("a", ref total);
        await orders.PlaceAsync("a");
        await foreach (int _ in orders.StreamAsync()) { }
        _ = store.Count();
        _ = store.Name();
        _ = shelf.Name();
    }
}
