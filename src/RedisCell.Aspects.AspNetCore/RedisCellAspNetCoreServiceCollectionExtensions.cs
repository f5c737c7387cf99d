using System;
using Microsoft.AspNetCore.Diagnostics;
using System.Linq;
using Microsoft.AspNetCore.Hosting;
using RedisCell.Aspects;
using RedisCell.Aspects.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ASP.NET Core answers to refused calls.</summary>
public static class RedisCellAspNetCoreServiceCollectionExtensions
{
    /// <summary>
    /// Answers <see cref="RateLimitExceededException"/> (thrown by <c>[Throttle]</c> and friends, or by
    /// <see cref="CellLimiter.Acquire(in RateLimitRule)"/>) with 429 Too Many Requests, <c>Retry-After</c> and
    /// <c>X-RateLimit-Limit</c> / <c>-Remaining</c> / <c>-Reset</c> headers and a ProblemDetails body, and
    /// <see cref="RateLimiterUnavailableException"/> with 503, whether or not the application calls
    /// <c>app.UseExceptionHandler()</c>: through it when it does (an <see cref="IExceptionHandler"/>
    /// and <see cref="Microsoft.AspNetCore.Http.IProblemDetailsService"/>), through the developer
    /// exception page in Development, and otherwise through a middleware this adds first.
    /// </summary>
    /// <param name="services">The services to add to.</param>
    /// <param name="configure">Chooses the status code and headers (for example the IETF <c>RateLimit</c> pair).</param>
    public static IServiceCollection AddRedisCellExceptionHandler(this IServiceCollection services, Action<RateLimitResponseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProblemDetails();
        services.AddOptions<RateLimitResponseOptions>()
            .Validate(o => o.StatusCode is >= 400 and <= 599, "RateLimitResponseOptions.StatusCode must be an HTTP error status (400-599).")
            .Validate(o => Enum.IsDefined(o.ResetFormat), "RateLimitResponseOptions.ResetFormat is not a RateLimitResetFormat.")
            .Validate(o => o.TimeProvider is not null, "RateLimitResponseOptions.TimeProvider cannot be null.")
            .ValidateOnStart();
        if (configure is not null) services.Configure(configure);

        // First among the handlers: a catch-all handler registered earlier must not turn a refusal into a 500.
        if (!services.Any(d => d.ServiceType == typeof(IExceptionHandler) && d.ImplementationType == typeof(RateLimitExceptionHandler)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IExceptionHandler, RateLimitExceptionHandler>());
            services.Insert(0, ServiceDescriptor.Singleton<IDeveloperPageExceptionFilter, RateLimitExceptionHandler>());
            services.AddTransient<IStartupFilter, RateLimitResponseStartupFilter>();
        }

        return services;
    }
}
