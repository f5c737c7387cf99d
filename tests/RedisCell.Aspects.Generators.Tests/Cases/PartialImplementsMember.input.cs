using System.Collections.Generic;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public interface IOrders
{
    [Throttle("user:{userId}", 1, 1, 60)]
    int Get(string userId);

    [Throttle("user:{userId}", 1, 1, 60)]
    Task<int> GetAsync(string userId);

    [Gcra(1, 1, 60, Key = "stream")]
    IAsyncEnumerable<int> StreamAsync();
}

public abstract class Store
{
    [Throttle("user:{userId}", 1, 1, 60)]
    [RatePerSecond(5, Key = "orders")]
    public abstract void Place(string userId);
}

// Partial-mode bodies reached through a member they implement or override skip what that member's
// interceptor has just decided; a partial method that implements and overrides nothing checks nothing.
public partial class Orders : Store, IOrders
{
    [Throttle("user:{userId}", 1, 1, 60)]
    public partial int Get(string userId);

    private int GetCore(string userId) => 1;

    [Throttle("user:{userId}", 1, 1, 60)]
    public partial Task<int> GetAsync(string userId);

    private Task<int> GetAsyncCore(string userId) => Task.FromResult(1);

    [Gcra(1, 1, 60, Key = "stream")]
    public partial IAsyncEnumerable<int> StreamAsync();

    private IAsyncEnumerable<int> StreamAsyncCore() => throw null!;

    [Throttle("user:{userId}", 1, 1, 60)]
    [RatePerSecond(5, Key = "orders")]
    public override partial void Place(string userId);

    private void PlaceCore(string userId) { }

    [Gcra(1, 1, 60)]
    public partial int Own(int id);

    private int OwnCore(int id) => id;
}
