using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>
/// Answers <see cref="RateLimitExceededException"/> with 429 and rate-limit headers, and
/// <see cref="RateLimiterUnavailableException"/> with 503, as ProblemDetails, wherever the request
/// pipeline reports an exception: <c>app.UseExceptionHandler()</c> (as an <see cref="IExceptionHandler"/>),
/// the developer exception page (as an <see cref="IDeveloperPageExceptionFilter"/>), or, in an
/// application with neither, the middleware <see cref="RateLimitResponseStartupFilter"/> puts first.
/// Other exceptions are left to whoever comes next.
/// </summary>
internal sealed class RateLimitExceptionHandler : IExceptionHandler, IDeveloperPageExceptionFilter
{
    // Frameworks sometimes wrap what a method threw (reflection, task aggregation); a few levels suffice.
    private const int MaxUnwrap = 4;

    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        TryWriteAsync(httpContext, exception);

    public async Task HandleExceptionAsync(ErrorContext errorContext, Func<ErrorContext, Task> next)
    {
        if (!await TryWriteAsync(errorContext.HttpContext, errorContext.Exception).ConfigureAwait(false)) await next(errorContext).ConfigureAwait(false);
    }

    /// <summary>Writes the answer to a refusal in <paramref name="exception"/> (or wrapped in it); false for anything else.</summary>
    public static async ValueTask<bool> TryWriteAsync(HttpContext httpContext, Exception exception)
    {
        if (httpContext.Response.HasStarted) return false;
        Exception? current = exception;
        for (int depth = 0; current is not null && depth <= MaxUnwrap; depth++, current = current.InnerException)
        {
            switch (current)
            {
                case RateLimitExceededException limited:
                    httpContext.Response.Clear();
                    await RateLimitProblemWriter.WriteLimitedAsync(httpContext, limited.Result, limited).ConfigureAwait(false);
                    return true;
                case RateLimiterUnavailableException unavailable:
                    httpContext.Response.Clear();
                    await RateLimitProblemWriter.WriteUnavailableAsync(httpContext, unavailable).ConfigureAwait(false);
                    return true;
            }
        }

        return false;
    }
}
