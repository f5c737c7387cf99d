using RedisCell.Aspects;

namespace WebApiSample;

/// <summary>An order as the API returns it.</summary>
public sealed record Order(string Id, string UserId, decimal Total);

/// <summary>The application's service; the web layer knows nothing about rate limits.</summary>
public sealed class OrderService
{
    /// <summary>
    /// A user's orders: two calls at once per user (maxBurst + 1), then one a minute (GCRA, as
    /// redis-cell's <c>CL.THROTTLE user:&lt;id&gt; 1 1 60</c>). A third quick call throws
    /// <see cref="RateLimitExceededException"/>, which the API answers with 429.
    /// </summary>
    [Throttle("user:{userId}", maxBurst: 1, count: 1, periodSeconds: 60)]
    public IReadOnlyList<Order> GetOrders(string userId) =>
    [
        new($"{userId}-1001", userId, 42.50m),
        new($"{userId}-1002", userId, 7.99m),
    ];
}
