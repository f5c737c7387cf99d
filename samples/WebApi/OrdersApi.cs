using RedisCell.Aspects;

namespace WebApiSample;

/// <summary>The minimal API: <c>GET /orders/{userId}</c>.</summary>
public static class OrdersApi
{
    /// <summary>Builds the application against <paramref name="redisConfiguration"/>, listening on <paramref name="urls"/>.</summary>
    public static WebApplication Create(string[] args, string redisConfiguration, string keyPrefix, string urls)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.WebHost.UseUrls(urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Usually in appsettings.json ("RedisCell": { "Connection": ..., "KeyPrefix": ... }).
        builder.Configuration["RedisCell:Connection"] = redisConfiguration;
        builder.Configuration["RedisCell:KeyPrefix"] = keyPrefix;
        builder.Services.AddRedisCell();                  // the limiter [Throttle] calls, once the host starts
        builder.Services.AddRedisCellExceptionHandler();  // RateLimitExceededException -> 429 + headers
        builder.Services.AddSingleton<OrderService>();

        WebApplication app = builder.Build();
        app.UseExceptionHandler();  // optional for the 429; keeps refusals out of Development's error log
        app.MapGet("/orders/{userId}", (string userId, OrderService orders) => orders.GetOrders(userId));
        return app;
    }
}
