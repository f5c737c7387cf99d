using System.Diagnostics;
using RedisCell.Aspects;
using RedisCell.Aspects.Garnet;
using RedisCell.Aspects.Redis;

// With REDIS_URL set, limits live in that Redis; otherwise Garnet runs in this process on a free
// loopback port. Either way the limiter is the distributed one, talking RESP over TCP.
string? redisUrl = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
using EmbeddedGarnetServer? garnet = string.IsNullOrWhiteSpace(redisUrl) ? EmbeddedGarnetServer.Start() : null;
string configuration = garnet?.Configuration ?? redisUrl!;
Console.WriteLine(garnet is null
    ? "Engine: Redis at REDIS_URL"
    : $"Engine: Garnet, hosted in this process on 127.0.0.1:{garnet.Port} (set REDIS_URL to use your Redis)");

await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(configuration);
SharedLimiter.Configure(limiter);

const int Calls = 2_000;
int succeeded = 0, failed = 0;
var elapsed = Stopwatch.StartNew();
for (int i = 0; i < Calls; i++)
{
    try
    {
        Api.Ping();
        succeeded++;
    }
    catch (RateLimitExceededException)
    {
        failed++;
    }

    Thread.Sleep(5);
}

Console.WriteLine($"{Calls} calls in {elapsed.Elapsed.TotalSeconds:0.0} s: {succeeded} succeeded, {failed} failed (limit 100 per second).");
return succeeded > 0 && failed > 0 ? 0 : 1;

internal static class Api
{
    // Every call to Ping is intercepted at compile time: the shared limiter is asked first, and a
    // call over 100 per second throws RateLimitExceededException before Ping runs.
    [RatePerSecond(100)]
    public static void Ping()
    {
    }
}
