using RedisCell.Aspects;
using RedisCell.Aspects.Garnet;
using TokenBudgetSample;

// Against REDIS_URL when it is set, else against Garnet started in this process.
string? redisUrl = Environment.GetEnvironmentVariable(SharedLimiter.RedisUrlVariable);
EmbeddedGarnetServer? garnet = string.IsNullOrWhiteSpace(redisUrl) ? EmbeddedGarnetServer.Start() : null;
try
{
    Console.WriteLine(garnet is null ? $"Redis: {redisUrl}" : $"Redis: Garnet in this process on 127.0.0.1:{garnet.Port} (set REDIS_URL to use yours)");
    await Demo.RunAsync(redisUrl ?? garnet!.Configuration, Console.Out);
}
finally
{
    garnet?.Dispose();
}
