using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.AspNetCore;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

namespace RedisCell.Aspects.Ecosystem.Tests.AspNetCore;

/// <summary>RateLimitExceededException from application code becomes a 429 through IExceptionHandler and ProblemDetails.</summary>
public sealed class ExceptionHandlerTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task TheThirdQuickCallForOneUserIs429WithRateLimitHeaders(string engine)
    {
        await using WebApp web = await OrdersAppAsync(await RedisConfigurationAsync(engine), Servers.UniquePrefix("http"));

        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/alice")).StatusCode);
        HttpResponseMessage second = await web.Client.GetAsync("/orders/alice");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        HttpResponseMessage third = await web.Client.GetAsync("/orders/alice");

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.InRange(int.Parse(Header(third, "Retry-After")), 50, 60);
        Assert.Equal("2", Header(third, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(third, "X-RateLimit-Remaining"));
        Assert.InRange(int.Parse(Header(third, "X-RateLimit-Reset")), 110, 120);
        Assert.False(third.Headers.Contains("RateLimit"));
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);

        JsonElement problem = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too Many Requests", problem.GetProperty("title").GetString());
        Assert.Equal("https://www.rfc-editor.org/rfc/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.Equal(2, problem.GetProperty("limit").GetInt64());
        Assert.Equal(0, problem.GetProperty("remaining").GetInt64());
        Assert.InRange(problem.GetProperty("retryAfterSeconds").GetDouble(), 50, 60);
        Assert.StartsWith("Rate limit exceeded: 0 of 2 remaining; retry after ", problem.GetProperty("detail").GetString());

        // The key is not in the answer: it may name other users or internal structure.
        Assert.DoesNotContain("alice", await third.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/bob")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task TwoInstancesOfTheApplicationShareOneLimit(string engine)
    {
        string connection = await RedisConfigurationAsync(engine);
        string prefix = Servers.UniquePrefix("fleet");
        // Each instance decides with its own limiter (from its container, not the process-wide shared
        // one, which the last host to start would own): only Redis connects them.
        await using WebApp first = await OrdersAppAsync(connection, prefix, useContainersLimiter: true);
        await using WebApp second = await OrdersAppAsync(connection, prefix, useContainersLimiter: true);
        Assert.NotSame(first.Services.GetRequiredService<CellLimiter>(), second.Services.GetRequiredService<CellLimiter>());

        Assert.Equal(HttpStatusCode.OK, (await first.Client.GetAsync("/orders/carol")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.Client.GetAsync("/orders/carol")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await first.Client.GetAsync("/orders/carol")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await second.Client.GetAsync("/orders/carol")).StatusCode);
    }

    [Fact]
    public async Task TheIetfPairAndAUnixResetAreOptions()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRedisCellExceptionHandler(o =>
                {
                    o.IetfHeaders = true;
                    o.IetfPolicyName = _ => "orders";
                    o.ResetFormat = RateLimitResetFormat.UnixSeconds;
                    o.TimeProvider = time;
                });
            },
            app =>
            {
                app.UseExceptionHandler();
                app.MapGet("/orders/{userId}", (string userId) => Order(userId));
            });

        await web.Client.GetAsync("/orders/dan");
        time.Advance(TimeSpan.FromSeconds(15));
        HttpResponseMessage second = await web.Client.GetAsync("/orders/dan");
        HttpResponseMessage third = await web.Client.GetAsync("/orders/dan");

        // Second call at t=15 s: TAT = 120 s, so the key is full again 105 s from now.
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("45", Header(third, "Retry-After"));
        Assert.Equal("\"orders\";q=2;w=120", Header(third, "RateLimit-Policy"));
        Assert.Equal("\"orders\";r=0;t=105", Header(third, "RateLimit"));
        long expectedReset = time.GetUtcNow().ToUnixTimeSeconds() + 105;
        Assert.Equal(expectedReset.ToString(), Header(third, "X-RateLimit-Reset"));
    }

    [Fact]
    public async Task AnUnavailableLimiterIs503AndOtherExceptionsAreNotOurs()
    {
        await using WebApp web = await WebApp.StartAsync(
            builder => builder.Services.AddRedisCellExceptionHandler(),
            app =>
            {
                app.UseExceptionHandler();
                app.MapGet("/unavailable", string () => throw new RateLimiterUnavailableException("Redis did not answer within 250 ms."));
                app.MapGet("/broken", string () => throw new InvalidOperationException("not a rate limit"));
            });

        HttpResponseMessage unavailable = await web.Client.GetAsync("/unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        JsonElement problem = await unavailable.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Service Unavailable", problem.GetProperty("title").GetString());
        Assert.False(unavailable.Headers.Contains("Retry-After"));

        Assert.Equal(HttpStatusCode.InternalServerError, (await web.Client.GetAsync("/broken")).StatusCode);
    }

    [Theory]
    [InlineData("Test")]
    [InlineData("Development")]
    public async Task WithoutUseExceptionHandlerARefusalIsStill429AndOtherErrorsAreNotOurs(string environment)
    {
        // A newcomer who forgot app.UseExceptionHandler(): the package's own middleware answers in
        // production, the developer exception page's filter in Development.
        var logs = new RecordingLoggerProvider();
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRedisCellExceptionHandler();
            },
            app =>
            {
                app.MapGet("/orders/{userId}", (string userId) => Order(userId));
                app.MapGet("/unavailable", string () => throw new RateLimiterUnavailableException("Redis did not answer within 250 ms."));
                app.MapGet("/broken", string () => throw new InvalidOperationException("not a rate limit"));
            },
            environment);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/zoe")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/orders/zoe")).StatusCode);
        HttpResponseMessage third = await web.Client.GetAsync("/orders/zoe");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("2", Header(third, "X-RateLimit-Limit"));
        Assert.True(third.Headers.Contains("Retry-After"));
        JsonElement problem = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Too Many Requests", problem.GetProperty("title").GetString());

        // The developer page logs every exception before its filters run (ASP.NET Core's choice,
        // docs/observability.md); the package's middleware logs none.
        int errors = logs.Entries.Count(e => e.Level >= LogLevel.Error);
        Assert.Equal(environment == "Development" ? 1 : 0, errors);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await web.Client.GetAsync("/unavailable")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await web.Client.GetAsync("/broken")).StatusCode);
    }

    [Fact]
    public async Task AStatusOtherThan429CanBeChosenButMustBeAnError()
    {
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRedisCellExceptionHandler(o => o.StatusCode = StatusCodes.Status503ServiceUnavailable);
            },
            app =>
            {
                app.UseExceptionHandler();
                app.MapGet("/orders/{userId}", (string userId) => Order(userId));
            });
        await web.Client.GetAsync("/orders/eve");
        await web.Client.GetAsync("/orders/eve");
        HttpResponseMessage third = await web.Client.GetAsync("/orders/eve");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode);
        Assert.True(third.Headers.Contains("Retry-After"));

        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => WebApp.StartAsync(
            builder => builder.Services.AddRedisCellExceptionHandler(o => o.StatusCode = 200),
            app => app.UseExceptionHandler()));
        Assert.Contains("StatusCode must be an HTTP error status", Hosts.AllMessages(failure));
    }

#if NET10_0_OR_GREATER
    // ASP.NET Core 10's behaviour and option, not the package's: the net8.0 build runs on the same
    // ASP.NET Core 10 and cannot name the option.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExceptionHandlerMiddlewareLogsARefusalAsAnErrorOnlyWhenDiagnosticsAreKept(bool keepDiagnostics)
    {
        // .NET 10 suppresses the middleware's diagnostics for exceptions an IExceptionHandler handled;
        // keeping them is what .NET 8 and 9 do for every refused call (docs/observability.md).
        var logs = new RecordingLoggerProvider();
        await using WebApp web = await WebApp.StartAsync(
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.AddRedisCell().UseInProcess();
                builder.Services.AddRedisCellExceptionHandler();
                if (keepDiagnostics) builder.Services.Configure<ExceptionHandlerOptions>(o => o.SuppressDiagnosticsCallback = _ => false);
            },
            app =>
            {
                app.UseExceptionHandler();
                app.MapGet("/orders/{userId}", (string userId) => Order(userId));
            });

        await web.Client.GetAsync("/orders/fay");
        await web.Client.GetAsync("/orders/fay");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await web.Client.GetAsync("/orders/fay")).StatusCode);

        var errors = logs.Entries.Where(e => e.Category == "Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware" && e.Level == LogLevel.Error).ToList();
        Assert.Equal(keepDiagnostics ? 1 : 0, errors.Count);
    }
#endif

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"No {name} header.");

    // What a [Throttle("user:{userId}", 1, 1, 60)] method does: ask the shared limiter, throw when limited.
    private static IResult Order(string userId, CellLimiter? limiter = null)
    {
        (limiter ?? SharedLimiter.Current).Acquire(new RateLimitRule(TwoPerMinute, RateLimitKey.Create($"user:{userId}")));
        return Results.Ok(new { userId, orders = Array.Empty<string>() });
    }

    private static Task<WebApp> OrdersAppAsync(string connection, string prefix, bool useContainersLimiter = false) => WebApp.StartAsync(
        builder =>
        {
            builder.Configuration["RedisCell:Connection"] = connection;
            builder.Configuration["RedisCell:KeyPrefix"] = prefix;
            builder.Configuration["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString();
            builder.Configuration["RedisCell:Failure:Mode"] = "FailClosed";
            builder.Services.AddRedisCell();
            builder.Services.AddRedisCellExceptionHandler();
        },
        app =>
        {
            app.UseExceptionHandler();
            if (useContainersLimiter) app.MapGet("/orders/{userId}", (string userId, CellLimiter limiter) => Order(userId, limiter));
            else app.MapGet("/orders/{userId}", (string userId) => Order(userId));
        });

    private static async Task<string> RedisConfigurationAsync(string engine)
    {
        var connection = await Servers.ConnectionAsync(engine);
        return connection.Configuration;
    }
}
