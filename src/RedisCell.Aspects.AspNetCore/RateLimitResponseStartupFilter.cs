using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>
/// Puts a middleware first in the pipeline that answers refusals which nothing inside answered: an
/// application that never called <c>app.UseExceptionHandler()</c> still answers 429, not 500.
/// Inside it, <c>UseExceptionHandler</c> and the developer exception page answer first, through
/// the same <see cref="RateLimitExceptionHandler"/>.
/// </summary>
internal sealed class RateLimitResponseStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static async (HttpContext context, RequestDelegate inner) =>
        {
            try
            {
                await inner(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                if (!await RateLimitExceptionHandler.TryWriteAsync(context, ex).ConfigureAwait(false)) throw;
            }
        });
        next(app);
    };
}
