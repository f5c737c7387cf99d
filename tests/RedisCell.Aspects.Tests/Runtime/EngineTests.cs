using RedisCell.Aspects.Tests.Infrastructure;
using RedisCell.Aspects.TestServers;

namespace RedisCell.Aspects.Tests.Runtime;

/// <summary>Which engines the Redis suites run on, and that CI cannot silently lose one.</summary>
public sealed class EngineTests
{
    [Fact]
    public void TheRedisEnginesRunWheneverTheyAreInstalledOrRequired()
    {
        if (Engine.RedisRequired)
        {
            // CI sets REDISCELL_REQUIRE_REDIS=1: passing on Garnet alone would hide every Redis and cluster result.
            Assert.True(RedisServerProcess.IsInstalled, $"{Engine.RequireRedisVariable}=1 but redis-server is not on PATH (apt-get install redis-server).");
            Assert.True(RedisClusterProcess.IsInstalled, $"{Engine.RequireRedisVariable}=1 but redis-cli is not on PATH (apt-get install redis-tools).");
        }

        Assert.Contains(Engine.Garnet, Engine.Available);
        Assert.Equal(RedisServerProcess.IsInstalled || Engine.RedisRequired, Engine.Available.Contains(Engine.Redis));
        Assert.Equal(RedisClusterProcess.IsInstalled || Engine.RedisRequired, Engine.Available.Contains(Engine.Cluster));
    }
}
