using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>
/// Answers <see cref="RateLimitExceededException"/> with 429 and rate-limit headers, and
/// <see cref="RateLimiterUnavailableException"/> with 503, as ProblemDetails. Other exceptions are
/// left to the next handler.
/// </summary>
internal sealed class RateLimitExceptionHandler : IExceptionHandler
{
    // Frameworks sometimes wrap what a method threw (reflection, task aggregation); a few levels suffice.
    private const int MaxUnwrap = 4;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted) return false;
        Exception? current = exception;
        for (int depth = 0; current is not null && depth <= MaxUnwrap; depth++, current = current.InnerException)
        {
            switch (current)
            {
                case RateLimitExceededException limited:
                    await RateLimitProblemWriter.WriteLimitedAsync(httpContext, limited.Result, limited).ConfigureAwait(false);
                    return true;
                case RateLimiterUnavailableException unavailable:
                    await RateLimitProblemWriter.WriteUnavailableAsync(httpContext, unavailable).ConfigureAwait(false);
                    return true;
            }
        }

        return false;
    }
}
