using RedisCell.Aspects;

namespace Misuses;

// What the analyzers report (RCA009, RCA013 on): code that compiles, but whose calls escape the limiter or
// whose keys collide.
public sealed class Order
{
    public int Id { get; init; }
}

public interface IOrders
{
    // RCA014 is reported on the implementation below: this member has no attribute.
    Order Find(int userId);
}

public sealed class Orders : IOrders
{
    // RCA014: calls through IOrders.Find are not limited (the fix copies the attribute there).
    [Throttle("user:{userId}", 15, 30, 60)]
    public Order Find(int userId) => new() { Id = userId };
}

public sealed class Customer
{
    public string Name { get; init; } = "";
}

public static class Keys
{
    // RCA018: Customer does not override ToString, so every caller writes "Misuses.Customer": one shared key.
    [Throttle("customer:{customer}", 15, 30, 60)]
    internal static void ByCustomer(Customer customer) { }

    // RCA021: the same key under two policies; each would corrupt the other's state.
    [Throttle("user:{userId}", 15, 30, 60)]
    internal static void Read(int userId) { }

    [Throttle("user:{id}", 5, 10, 60)]
    internal static void Write(int id) { }

    internal static void Callers()
    {
        ByCustomer(new Customer());
        Read(1);
        Write(1);
    }
}

public static class Escapes
{
    // RCA016 (info, raised to a warning in .editorconfig): callers in other assemblies escape.
    [RatePerSecond(100)]
    public static void Public() { }

    // RCA017 (info, raised to a warning in .editorconfig): '<userId>' is the alias of '{userId}'.
    [Throttle("user:<userId>", 15, 30, 60)]
    internal static void AngleAlias(int userId) { }

    [Gcra(15, 30, 60)]
    internal static void Limited(int value) { }

    internal static void Callers(IOrders orders)
    {
        // RCA013: the delegate calls the method directly (the code fix calls it from a lambda).
        Action later = Public;

        // RCA015: the call binds to IOrders.Find, which has no attribute.
        orders.Find(42);

        // RCA009: calls the generator cannot intercept.
        dynamic anything = 42;
        Limited(anything);
        System.Linq.Expressions.Expression<Action> tree = () => Limited(1);
    }
}

public static class Inventory
{
    // RCA023 (info, raised to a warning in .editorconfig): the out parameter cannot be carried past an
    // await, so this Task method's limit is decided synchronously, blocking the caller on Redis.
    [Throttle("sku:{sku}", 10, 100, 60)]
    internal static System.Threading.Tasks.Task<bool> TryReserveAsync(string sku, out int left)
    {
        left = 0;
        return System.Threading.Tasks.Task.FromResult(false);
    }
}
