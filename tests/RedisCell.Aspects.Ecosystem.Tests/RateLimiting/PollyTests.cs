using System.Threading.RateLimiting;
using Polly;
using Polly.RateLimiting;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using RedisCell.Aspects.RateLimiting;

namespace RedisCell.Aspects.Ecosystem.Tests.RateLimiting;

/// <summary>Polly v8's rate-limiter strategy driven by the Redis GCRA.</summary>
public sealed class PollyTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);
    private static readonly ResiliencePropertyKey<string> UserKey = new("user");

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task APipelineRefusesTheThirdCallWithRetryAfter(string engine)
    {
        using var store = new RedisCellLimiter(await Servers.ConnectionAsync(engine), Servers.Options(Servers.UniquePrefix("polly")));
        using var limiter = new CellRateLimiter(TwoPerMinute, "downstream", new CellRateLimiterOptions { Limiter = store });
        ResiliencePipeline pipeline = new ResiliencePipelineBuilder().AddRateLimiter(limiter).Build();

        int calls = 0;
        await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.CompletedTask; });
        await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.CompletedTask; });
        var refused = await Assert.ThrowsAsync<RateLimiterRejectedException>(
            async () => await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.CompletedTask; }));

        Assert.Equal(2, calls);
        Assert.NotNull(refused.RetryAfter);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task APartitionedLimiterLimitsEachUserSeparately()
    {
        using var store = new InProcessCellLimiter();
        using var limiter = new CellPartitionedRateLimiter<string>(user => new RateLimitRule(TwoPerMinute, "user:" + user), new CellRateLimiterOptions { Limiter = store });
        ResiliencePipeline pipeline = new ResiliencePipelineBuilder()
            .AddRateLimiter(new RateLimiterStrategyOptions
            {
                RateLimiter = args => limiter.AcquireAsync(args.Context.Properties.GetValue(UserKey, "anonymous"), 1, args.Context.CancellationToken),
            })
            .Build();

        async Task<bool> CallAs(string user)
        {
            ResilienceContext context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(UserKey, user);
            try
            {
                await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask, context);
                return true;
            }
            catch (RateLimiterRejectedException)
            {
                return false;
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        Assert.True(await CallAs("alice"));
        Assert.True(await CallAs("alice"));
        Assert.False(await CallAs("alice"));
        Assert.True(await CallAs("bob"));
    }
}
