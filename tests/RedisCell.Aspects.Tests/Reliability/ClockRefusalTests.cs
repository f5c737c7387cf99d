using RedisCell.Aspects.TestServers;
using RedisCell.Aspects.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Reliability;

/// <summary>
/// A server that refuses TIME inside scripts, for real: a Redis ACL user without the TIME command
/// (as some managed services configure). The limiter says which option to set, whatever the failure
/// policy, and the client clock works on the same server.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ClockRefusalTests
{
    [Theory]
    [InlineData(FailureMode.FailOpen)]
    [InlineData(FailureMode.FailClosed)]
    [InlineData(FailureMode.Local)]
    public async Task AServerThatRefusesTimeGetsAClearErrorNamingTheOption(FailureMode failurePolicy)
    {
        ConnectionMultiplexer admin = await Engine.ConnectionAsync(Engine.Redis);
        RedisServerProcess server = await Engine.RedisServerAsync();
        string user = "notime" + Guid.NewGuid().ToString("N")[..8];
        await admin.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all", "-time");
        try
        {
            await using RedisCellLimiter limiter = await RedisCellLimiter.ConnectAsync(
                $"127.0.0.1:{server.Port},user={user},password=secret",
                new RedisCellOptions { KeyPrefix = Engine.UniquePrefix("notime"), Failure = { Mode = failurePolicy, Timeout = Engine.TestTimeout } });
            var rule = new RateLimitRule(new GcraPolicy(4, 10, 60), "k");

            var ex = await Assert.ThrowsAsync<RedisCellException>(() => limiter.CheckAsync(rule).AsTask());
            Assert.Contains("RedisCellOptions.Clock = ClockSource.Client", ex.Message);
            Assert.Contains("TIME", ex.Message);
            Assert.Equal("k", ex.Key);
            Assert.Contains("RedisCellOptions.Clock", Assert.Throws<RedisCellException>(() => limiter.Check(rule)).Message);
            var multi = Assert.Throws<RedisCellException>(() => limiter.Check([rule, new RateLimitRule(new GcraPolicy(1, 1, 1), "other")]));
            Assert.Contains("RedisCellOptions.Clock", multi.Message);

            // The option the message names works against the same server and user.
            await using RedisCellLimiter clientClock = await RedisCellLimiter.ConnectAsync(
                $"127.0.0.1:{server.Port},user={user},password=secret",
                new RedisCellOptions { KeyPrefix = Engine.UniquePrefix("notime"), Clock = ClockSource.Client, Failure = { Mode = failurePolicy, Timeout = Engine.TestTimeout } });
            Assert.Equal(4, (await clientClock.CheckAsync(rule)).Remaining);
            Assert.Equal(3, clientClock.Check(rule).Remaining);
        }
        finally
        {
            await admin.GetDatabase().ExecuteAsync("ACL", "DELUSER", user);
        }
    }
}
