using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public sealed class Orders
{
    [Throttle("orders:{customerId}", 5, 10, 1)]
    public Task SubmitAsync(int customerId) => Task.CompletedTask;

    [Gcra(5, 10, 1)]
    public async Task<int> CountAsync(string region, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return region.Length;
    }
}

public static class Caller
{
    public static async Task<int> Run(Orders orders)
    {
        await orders.SubmitAsync(1);
        return await orders.CountAsync("eu", CancellationToken.None);
    }
}
