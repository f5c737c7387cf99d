using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using RedisCell.Aspects.AspNetCore;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using static RedisCell.Aspects.Ecosystem.Tests.AspNetCore.ExceptionHandlerTests;

namespace RedisCell.Aspects.Ecosystem.Tests.AspNetCore;

public sealed class RateLimitHeadersTests
{
    [Fact]
    public void AnAllowedResultGetsRateLimitHeadersButNoRetryAfter()
    {
        using var limiter = new InProcessCellLimiter();
        RateLimitResult allowed = limiter.Check(new RateLimitRule(FixedWindowPolicy.PerSecond(10), "k", 3));
        var http = new DefaultHttpContext();
        RateLimitHeaders.Apply(http.Response, allowed, new RateLimitResponseOptions { IetfHeaders = true });

        Assert.False(http.Response.Headers.ContainsKey("Retry-After"));
        Assert.Equal("10", http.Response.Headers["X-RateLimit-Limit"]);
        Assert.Equal("7", http.Response.Headers["X-RateLimit-Remaining"]);
        Assert.Equal("1", http.Response.Headers["X-RateLimit-Reset"]);
        Assert.Equal("\"fixed_window\";q=10;w=1", http.Response.Headers["RateLimit-Policy"]);
        Assert.Equal("\"fixed_window\";r=7;t=1", http.Response.Headers["RateLimit"]);
    }

    [Fact]
    public void ARequestThatCanNeverPassGetsNoRetryAfter()
    {
        using var limiter = new InProcessCellLimiter();
        RateLimitResult never = limiter.Check(new RateLimitRule(new GcraPolicy(1, 1, 60), "k", 5));
        Assert.True(never.Limited);
        var http = new DefaultHttpContext();
        RateLimitHeaders.Apply(http.Response, never);
        Assert.False(http.Response.Headers.ContainsKey("Retry-After"));
        Assert.Equal("2", http.Response.Headers["X-RateLimit-Limit"]);
    }

    [Fact]
    public void APolicyNameThatCannotBeQuotedIsRefused()
    {
        using var limiter = new InProcessCellLimiter();
        RateLimitResult result = limiter.Check(new RateLimitRule(new GcraPolicy(1, 1, 60), "k"));
        var options = new RateLimitResponseOptions { IetfHeaders = true, IetfPolicyName = _ => "say \"hi\"" };
        var error = Assert.Throws<InvalidOperationException>(() => RateLimitHeaders.Apply(new DefaultHttpContext().Response, result, options));
        Assert.Contains("cannot appear in a RateLimit header", error.Message);
    }

    [Fact]
    public async Task TheRejectionResponseKeepsRetryAfterFromAnyLimiter()
    {
        // A framework limiter (not ours) as the global limiter: only Retry-After can be told.
        await using WebApp web = await WebApp.StartAsync(
            builder => builder.Services.AddRateLimiter(o =>
            {
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetFixedWindowLimiter("all", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = 1,
                    Window = TimeSpan.FromSeconds(30),
                    QueueLimit = 0,
                }));
                o.UseRedisCellRejectionResponse();
            }),
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/", () => "ok");
            });

        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/")).StatusCode);
        HttpResponseMessage refused = await web.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(Header(refused, "Retry-After")), 1, 30);
        Assert.False(refused.Headers.Contains("X-RateLimit-Limit"));
    }
}
