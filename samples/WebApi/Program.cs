using RedisCell.Aspects;
using RedisCell.Aspects.Garnet;
using WebApiSample;

// dotnet run --project samples/WebApi            a scripted demo against itself, then exit
// dotnet run --project samples/WebApi -- --serve  keep serving on http://127.0.0.1:5080
bool serve = args.Contains("--serve");
string? redisUrl = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
using EmbeddedGarnetServer? garnet = string.IsNullOrWhiteSpace(redisUrl) ? EmbeddedGarnetServer.Start() : null;
string redis = string.IsNullOrWhiteSpace(redisUrl) ? garnet!.Configuration : redisUrl;
Console.WriteLine(garnet is null ? $"Redis: {redisUrl}" : $"Redis: Garnet in this process on 127.0.0.1:{garnet.Port} (set REDIS_URL to use yours)");

// A fresh prefix per demo run, so a rerun within the minute starts with full limits.
string keyPrefix = serve ? "webapi-sample:" : $"webapi-sample:{Guid.NewGuid():N}:";
await using WebApplication app = OrdersApi.Create(args.Where(a => a != "--serve").ToArray(), redis, keyPrefix, serve ? "http://127.0.0.1:5080" : "http://127.0.0.1:0");
await app.StartAsync();

if (serve)
{
    Console.WriteLine($"Serving on {app.Urls.First()}; try: curl -i {app.Urls.First()}/orders/alice   (Ctrl+C to stop)");
    await app.WaitForShutdownAsync();
}
else
{
    await Demo.RunAsync(new Uri(app.Urls.First()), Console.Out);
    await app.StopAsync();
}
