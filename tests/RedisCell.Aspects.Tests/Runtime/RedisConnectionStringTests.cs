using System.Net;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Runtime;

public sealed class RedisConnectionStringTests
{
    [Fact]
    public void ReadsRedisUrls()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("redis://alice:s%40cret@cache.internal:6380/3");
        Assert.Equal("alice", options.User);
        Assert.Equal("s@cret", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.False(options.Ssl);
        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("cache.internal", 6380), (endpoint.Host, endpoint.Port));
    }

    [Fact]
    public void ReadsTlsUrlsAndDefaults()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("rediss://:pw@127.0.0.1");
        Assert.True(options.Ssl);
        Assert.Null(options.User);
        Assert.Equal("pw", options.Password);
        var endpoint = Assert.IsType<IPEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(6379, endpoint.Port);

        Assert.Equal("solo", RedisConnectionString.Parse("redis://solo@127.0.0.1:7000").Password);
    }

    [Fact]
    public void ReadsStackExchangeConfigurationStrings()
    {
        ConfigurationOptions options = RedisConnectionString.Parse("127.0.0.1:7000,password=x,ssl=true,abortConnect=false");
        Assert.Equal("x", options.Password);
        Assert.True(options.Ssl);
        Assert.False(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("redis://")]
    [InlineData("redis://host:6379/not-a-db")]
    public void RejectsWhatIsNotAConnection(string value)
    {
        Assert.ThrowsAny<ArgumentException>(() => RedisConnectionString.Parse(value));
    }
}
