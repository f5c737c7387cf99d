using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public partial class Outer
{
    public partial class Orders<TOrder>
        where TOrder : class
    {
        [Throttle("orders:{customerId}", 15, 30, 60)]
        public partial Task<TOrder?> FindAsync(int customerId, CancellationToken cancellationToken);

        private Task<TOrder?> FindAsyncCore(int customerId, CancellationToken cancellationToken) => Task.FromResult<TOrder?>(null);

        [Gcra(2, 10, 1)]
        internal static partial T Echo<T>(T value)
            where T : notnull;

        private static T EchoCore<T>(T value)
            where T : notnull
            => value;
    }
}

public static class Caller
{
    // Calls to partial-mode methods are not intercepted: the method limits itself.
    public static Task<string?> Run() => new Outer.Orders<string>().FindAsync(Outer.Orders<string>.Echo(1), CancellationToken.None);
}
