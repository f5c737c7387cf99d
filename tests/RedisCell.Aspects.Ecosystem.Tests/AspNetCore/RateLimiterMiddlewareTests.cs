using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using RedisCell.Aspects.RateLimiting;
using StackExchange.Redis;
using static RedisCell.Aspects.Ecosystem.Tests.AspNetCore.ExceptionHandlerTests;

namespace RedisCell.Aspects.Ecosystem.Tests.AspNetCore;

/// <summary>ASP.NET Core's own rate limiting (AddRateLimiter, [EnableRateLimiting]) decided by the Redis GCRA.</summary>
public sealed class RateLimiterMiddlewareTests
{
    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task AnEnableRateLimitingPolicyIsDecidedInRedisOnceARequest(string engine)
    {
        GcraPolicy policy = new(1, 1, 61);
        string connection = (await Servers.ConnectionAsync(engine)).Configuration;
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Configuration["RedisCell:Connection"] = connection;
                builder.Configuration["RedisCell:KeyPrefix"] = Servers.UniquePrefix("middleware");
                builder.Configuration["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString();
                builder.Configuration["RedisCell:Failure:Mode"] = "FailClosed";
                builder.Services.AddRedisCell();
                builder.Services.AddRateLimiter(o => o.AddRedisCellPolicy("orders", policy, http => (string)http.GetRouteValue("userId")!));
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/orders/{userId}", [EnableRateLimiting("orders")] (string userId) => Results.Ok(userId));
                app.MapGet("/v2/orders/{userId}", (string userId) => Results.Ok(userId)).RequireRateLimiting("orders");
            });

        using var decisions = new DecisionCounter(policy);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/frank")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/v2/orders/frank")).StatusCode);
        HttpResponseMessage refused = await web.Client.GetAsync("/orders/frank");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(Header(refused, "Retry-After")), 50, 61);
        Assert.Equal("2", Header(refused, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(refused, "X-RateLimit-Remaining"));
        JsonElement problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/grace")).StatusCode);

        // The middleware tries AttemptAcquire first: on a request thread it defers without a round
        // trip, so every request costs exactly one (asynchronous) decision.
        Assert.Equal(4, decisions.Allowed + decisions.Limited);
        Assert.Equal(1, decisions.Limited);
    }

    [Fact]
    public async Task ASelectorsValueFromTheRequestIsEscapedAndBoundedInTheRedisKey()
    {
        GcraPolicy policy = new(1, 1, 62);
        string prefix = Servers.UniquePrefix("selector");
        ConnectionMultiplexer connection = await Servers.ConnectionAsync(Servers.Default);
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.WebHost.ConfigureKestrel(k =>
                {
                    k.Limits.MaxRequestHeadersTotalSize = 4 << 20;
                    k.Limits.MaxRequestBufferSize = 8 << 20;
                });
                builder.Configuration["RedisCell:Connection"] = connection.Configuration;
                builder.Configuration["RedisCell:KeyPrefix"] = prefix;
                builder.Configuration["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString();
                builder.Configuration["RedisCell:Failure:Mode"] = "FailClosed";
                builder.Services.AddRedisCell();
                builder.Services.AddRateLimiter(o => o.AddRedisCellPolicy("orders", policy, http => http.Request.Headers["X-User"].ToString()));
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/", () => "ok").RequireRateLimiting("orders");
            });

        // Each value would, unescaped, name another user's key, pick the cluster slot, or make a 1 MB key.
        string huge = new('x', 1 << 20);
        string[] users = ["{victim}", "victim", "a:b", "a%3Ab", "a", huge, huge + "y"];
        foreach (string user in users)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("X-User", user);
            Assert.Equal(HttpStatusCode.OK, (await web.Client.SendAsync(request)).StatusCode);
        }

        List<string> keys = [];
        foreach (IServer server in connection.GetServers())
        {
            await foreach (RedisKey key in server.KeysAsync(pattern: prefix + "*")) keys.Add(key.ToString()!.Substring(prefix.Length));
        }

        // One key per user: every first call was allowed and wrote its own state.
        Assert.Equal(users.Length, keys.Distinct().Count());
        Assert.All(keys, key =>
        {
            Assert.StartsWith("orders:", key);
            Assert.DoesNotContain('{', key);
            Assert.DoesNotContain('}', key);
            Assert.InRange(key.Length, 1, RateLimitKey.MaxLength);
        });
        Assert.Contains("orders:%7Bvictim%7D", keys);
        Assert.Contains("orders:a%3Ab", keys);
    }

    [Fact]
    public async Task APartitionedGlobalLimiterAnswersWithTheSameHeaders()
    {
        GcraPolicy policy = new(2, 1, 30);
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRateLimiter(o =>
                {
                    o.GlobalLimiter = new CellPartitionedRateLimiter<HttpContext>(
                        http => new RateLimitRule(policy, "api-key:" + (http.Request.Headers["X-Api-Key"].FirstOrDefault() ?? "none")));
                    o.UseRedisCellRejectionResponse();
                });
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/", () => "ok");
            });

        HttpResponseMessage Send(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("X-Api-Key", key);
            return web.Client.Send(request);
        }

        Assert.All(Enumerable.Range(0, 3).Select(_ => Send("k1")), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        HttpResponseMessage refused = Send("k1");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("3", Header(refused, "X-RateLimit-Limit"));
        Assert.InRange(int.Parse(Header(refused, "Retry-After")), 25, 30);
        Assert.Equal(HttpStatusCode.OK, Send("k2").StatusCode);
    }

    [Fact]
    public async Task TheRejectionResponseUsesTheConfiguredStatusForEveryLimitersLeases()
    {
        GcraPolicy policy = new(0, 1, 30);
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRedisCellExceptionHandler(o => o.StatusCode = StatusCodes.Status503ServiceUnavailable);
                builder.Services.AddRateLimiter(o =>
                {
                    // "/bcl" is limited by the BCL's in-memory window, everything else by the cell limiter.
                    o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                        PartitionedRateLimiter.Create<HttpContext, string>(http => http.Request.Path == "/bcl"
                            ? RateLimitPartition.GetFixedWindowLimiter("bcl", _ => new FixedWindowRateLimiterOptions { PermitLimit = 1, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                            : RateLimitPartition.GetNoLimiter("none")),
                        new CellPartitionedRateLimiter<HttpContext>(http => http.Request.Path == "/cell"
                            ? new RateLimitRule(policy, "cell")
                            : new RateLimitRule(new GcraPolicy(1000, 1000, 1), "unlimited")));
                    o.UseRedisCellRejectionResponse();
                });
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/bcl", () => "ok");
                app.MapGet("/cell", () => "ok");
            });

        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/bcl")).StatusCode);
        HttpResponseMessage bcl = await web.Client.GetAsync("/bcl");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bcl.StatusCode);
        Assert.InRange(int.Parse(Header(bcl, "Retry-After")), 1, 60);

        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/cell")).StatusCode);
        HttpResponseMessage cell = await web.Client.GetAsync("/cell");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cell.StatusCode);
        Assert.Equal("1", Header(cell, "X-RateLimit-Limit"));
    }

    /// <summary>
    /// RateLimitingMiddleware tries AttemptAcquire on the global limiter, then on the endpoint's; when
    /// ours defers (a request thread must not wait for Redis) it disposes the global lease and calls
    /// AcquireAsync on both. Disposing a rate limiter's lease gives nothing back, so an in-memory global
    /// limiter is charged twice; a cell global limiter, or a chain that asks ours first, once.
    /// </summary>
    [Theory]
    [InlineData("bcl global", 2)]
    [InlineData("chain: cell first, then bcl", 1)]
    [InlineData("chain: bcl first, then cell", 2)]
    [InlineData("cell global", 0)]
    public async Task AGlobalLimiterBeforeARedisPolicyIsChargedOnceOnlyWhenOursDefersFirst(string global, int bclChargesPerRequest)
    {
        GcraPolicy globalPolicy = new(100, 100, 63), endpointPolicy = new(100, 100, 64);
        PartitionedRateLimiter<HttpContext> bcl = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetFixedWindowLimiter("all",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = 1000, Window = TimeSpan.FromHours(1), QueueLimit = 0, AutoReplenishment = false }));
        var cell = new CellPartitionedRateLimiter<HttpContext>(_ => new RateLimitRule(globalPolicy, "global"));
        string connection = (await Servers.ConnectionAsync(Servers.Default)).Configuration;
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Configuration["RedisCell:Connection"] = connection;
                builder.Configuration["RedisCell:KeyPrefix"] = Servers.UniquePrefix("global");
                builder.Configuration["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString();
                builder.Configuration["RedisCell:Failure:Mode"] = "FailClosed";
                builder.Services.AddRedisCell();
                builder.Services.AddRateLimiter(o =>
                {
                    o.GlobalLimiter = global switch
                    {
                        "bcl global" => bcl,
                        "chain: cell first, then bcl" => PartitionedRateLimiter.CreateChained(cell, bcl),
                        "chain: bcl first, then cell" => PartitionedRateLimiter.CreateChained(bcl, cell),
                        _ => cell,
                    };
                    o.AddRedisCellPolicy("orders", endpointPolicy, _ => "everyone");
                });
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/orders", () => "ok").RequireRateLimiting("orders");
            });

        using var globalDecisions = new DecisionCounter(globalPolicy);
        using var endpointDecisions = new DecisionCounter(endpointPolicy);
        const int requests = 3;
        for (int i = 0; i < requests; i++) Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders")).StatusCode);

        long bclCharged = 1000 - bcl.GetStatistics(new DefaultHttpContext())!.CurrentAvailablePermits;
        Assert.Equal(bclChargesPerRequest * requests, bclCharged);
        Assert.Equal(requests, endpointDecisions.Allowed);
        Assert.Equal(global == "bcl global" ? 0 : requests, globalDecisions.Allowed);
    }

    /// <summary>Counts the decisions made under one policy while it is alive.</summary>
    internal sealed class DecisionCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _policy;
        private long _allowed;
        private long _limited;

        public DecisionCounter(RateLimitPolicy policy)
        {
            _policy = policy.ToString();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CellTelemetry.Name && instrument.Name == CellTelemetry.DecisionsMetric) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? policyTag = null, result = null;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "rediscell.policy.name") policyTag = tag.Value as string;
                    if (tag.Key == "rediscell.limiter.result") result = tag.Value as string;
                }

                if (policyTag != _policy) return;
                if (result == "limited") Interlocked.Add(ref _limited, value);
                else Interlocked.Add(ref _allowed, value);
            });
            _listener.Start();
        }

        public long Allowed => Interlocked.Read(ref _allowed);

        public long Limited => Interlocked.Read(ref _limited);

        public void Dispose() => _listener.Dispose();
    }
}
