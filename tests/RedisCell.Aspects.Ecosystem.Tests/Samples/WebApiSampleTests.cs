using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using WebApiSample;
using static RedisCell.Aspects.Ecosystem.Tests.AspNetCore.ExceptionHandlerTests;

namespace RedisCell.Aspects.Ecosystem.Tests.Samples;

/// <summary>samples/WebApi over HTTP on loopback: [Throttle] on a service method, answered 429 by the exception handler.</summary>
public sealed class WebApiSampleTests
{
    // Command-line configuration, as a user would pass it: no production timeout on a loaded test machine.
    private static readonly string[] TestArguments = [$"--RedisCell:Failure:Timeout={Servers.TestTimeout}", "--RedisCell:Failure:Mode=FailClosed"];

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task TheThirdQuickCallForOneUserIs429AndAnotherUserIsUnaffected(string engine)
    {
        string redis = (await Servers.ConnectionAsync(engine)).Configuration;
        await using WebApplication app = OrdersApi.Create(TestArguments, redis, Servers.UniquePrefix("webapi-sample"), "http://127.0.0.1:0");
        await app.StartAsync();
        try
        {
            // The host's limiter is the one the generated interceptor calls.
            Assert.Same(app.Services.GetRequiredService<CellLimiter>(), SharedLimiter.Current);
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };

            HttpResponseMessage first = await client.GetAsync("/orders/alice");
            HttpResponseMessage second = await client.GetAsync("/orders/alice");
            HttpResponseMessage third = await client.GetAsync("/orders/alice");
            HttpResponseMessage bob = await client.GetAsync("/orders/bob");

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Contains("alice-1001", await first.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.InRange(int.Parse(Header(third, "Retry-After")), 50, 60);
            Assert.Equal("2", Header(third, "X-RateLimit-Limit"));
            Assert.Equal("0", Header(third, "X-RateLimit-Remaining"));
            Assert.InRange(int.Parse(Header(third, "X-RateLimit-Reset")), 110, 120);
            Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task TheScriptedDemoPrintsTheRefusalWithItsHeaders()
    {
        await using WebApplication app = OrdersApi.Create(TestArguments, Servers.DefaultConfiguration, Servers.UniquePrefix("webapi-demo"), "http://127.0.0.1:0");
        await app.StartAsync();
        var output = new StringWriter();
        IReadOnlyList<HttpResponseMessage> responses = await Demo.RunAsync(new Uri(app.Urls.Single()), output);
        await app.StopAsync();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK], responses.Select(r => r.StatusCode));
        string printed = output.ToString();
        Assert.Contains("GET /orders/alice -> 429 Too Many Requests", printed);
        Assert.Contains("X-RateLimit-Limit: 2", printed);
        Assert.Contains("GET /orders/bob -> 200 OK", printed);
    }
}
