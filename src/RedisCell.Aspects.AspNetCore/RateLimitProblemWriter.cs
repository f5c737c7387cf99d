using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>Writes the 429 (or 503) answer: status, headers, and a ProblemDetails body.</summary>
internal static class RateLimitProblemWriter
{
    public const string TooManyRequestsType = "https://www.rfc-editor.org/rfc/rfc6585#section-4";
    public const string ServiceUnavailableType = "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4";

    public static ValueTask WriteLimitedAsync(HttpContext context, RateLimitResult result, Exception? exception)
    {
        RateLimitResponseOptions options = ResponseOptions(context);
        HttpResponse response = context.Response;
        response.StatusCode = options.StatusCode;
        RateLimitHeaders.Apply(response, result, options);

        string when = result.RetryAfter < TimeSpan.Zero
            ? "the request is larger than the whole limit and can never pass"
            : $"retry after {Math.Max(1, RateLimitHeaders.CeilingSeconds(result.RetryAfter))} s";
        var problem = new ProblemDetails
        {
            Status = options.StatusCode,
            Type = options.StatusCode == StatusCodes.Status429TooManyRequests ? TooManyRequestsType : null,
            Title = options.StatusCode == StatusCodes.Status429TooManyRequests ? "Too Many Requests" : "Rate limit exceeded",
            Detail = $"Rate limit exceeded: {result.Remaining} of {result.Limit} remaining; {when}.",
        };
        problem.Extensions["limit"] = result.Limit;
        problem.Extensions["remaining"] = result.Remaining;
        if (result.RetryAfter >= TimeSpan.Zero) problem.Extensions["retryAfterSeconds"] = result.RetryAfter.TotalSeconds;
        problem.Extensions["resetAfterSeconds"] = result.ResetAfter.TotalSeconds;

        Log.RequestLimited(Logger(context), context.Request.Method, context.Request.Path, result.Rule.Policy.ToString(), result.RetryAfter.TotalSeconds);
        return WriteAsync(context, problem, exception);
    }

    public static ValueTask WriteUnavailableAsync(HttpContext context, RateLimiterUnavailableException exception)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Type = ServiceUnavailableType,
            Title = "Service Unavailable",
            Detail = "The rate limiter could not decide whether this request is allowed, and it is configured to refuse requests then.",
        };
        Log.RateLimiterUnavailable(Logger(context), context.Request.Method, context.Request.Path, exception);
        return WriteAsync(context, problem, exception);
    }

    private static async ValueTask WriteAsync(HttpContext context, ProblemDetails problem, Exception? exception)
    {
        if (context.RequestServices.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false))
        {
            return;
        }

        // No ProblemDetails service (or none that writes JSON for this request): write it ourselves.
        await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", context.RequestAborted).ConfigureAwait(false);
    }

    // Without AddRedisCellExceptionHandler nothing is registered, and the defaults (429) apply.
    public static RateLimitResponseOptions ResponseOptions(HttpContext context) =>
        context.RequestServices.GetService<IOptions<RateLimitResponseOptions>>()?.Value ?? new RateLimitResponseOptions();

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("RedisCell.Aspects.AspNetCore") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
