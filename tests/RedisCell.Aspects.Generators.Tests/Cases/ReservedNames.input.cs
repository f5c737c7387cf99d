using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

// Parameters named like the generated code's receivers must not clash with them.
public class Store
{
    [RatePerSecond(10)]
    public int Put(int @this) => @this;

    [RatePerSecond(10)]
    public Task<int> PutAsync(string @this, int __this1) => Task.FromResult(__this1);

    // ... and named like the locals the generated body declares, and its lambda's state.
    [Throttle("order:{__key0}", 5, 10, 60)]
    public Task<int> PlaceAsync(string __key0, int __acquire, int __rule0, int __state) => Task.FromResult(__acquire + __rule0 + __state);
}

public struct Counter
{
    public int Value;

    [RatePerSecond(10)]
    public void Add(int @this) => Value += @this;
}

public partial class Ledger
{
    [RatePerSecond(10)]
    public partial Task<int> RecordAsync(int __self);

    private Task<int> RecordAsyncCore(int __self) => Task.FromResult(__self);
}

public static class Caller
{
    public static async Task<int> Run()
    {
        var counter = new Counter();
        counter.Add(1);
        return new Store().Put(1) + await new Store().PutAsync("a", 2) + await new Store().PlaceAsync("k", 1, 2, 3) + await new Ledger().RecordAsync(3) + counter.Value;
    }
}
