using System;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using RedisCell.Aspects;
using RedisCell.Aspects.AspNetCore;
using RedisCell.Aspects.RateLimiting;

namespace Microsoft.AspNetCore.RateLimiting;

/// <summary>Redis-backed policies and rejection responses for ASP.NET Core's <see cref="RateLimiterOptions"/>.</summary>
public static class RedisCellRateLimiterOptionsExtensions
{
    /// <summary>
    /// Adds a policy for <c>[EnableRateLimiting(policyName)]</c> / <c>RequireRateLimiting(policyName)</c>,
    /// decided in Redis: each request counts against the key <paramref name="key"/> returns, stored as
    /// <c>{policyName}:{key}</c> with both parts escaped as <see cref="RedisCell.Aspects.Keys.RateLimitKey.Create"/> escapes
    /// values and the whole bounded to <see cref="RedisCell.Aspects.Keys.RateLimitKey.MaxLength"/>, so two policies never share
    /// state and a key taken from the request cannot forge another key, choose a Redis Cluster slot or
    /// grow without limit. A refused request gets the same 429 as a refused attribute call:
    /// <c>Retry-After</c>, <c>X-RateLimit-*</c> and ProblemDetails.
    /// </summary>
    /// <param name="options">The rate-limiter options.</param>
    /// <param name="policyName">The policy name endpoints refer to.</param>
    /// <param name="policy">The limit per key.</param>
    /// <param name="key">The key of a request: a user id, an API key, an IP address.</param>
    /// <param name="limiter">The limiter that decides, or <see langword="null"/> for <see cref="SharedLimiter.Current"/> (the host's, with AddRedisCell).</param>
    public static RateLimiterOptions AddRedisCellPolicy(this RateLimiterOptions options, string policyName, RateLimitPolicy policy, Func<HttpContext, string> key, CellLimiter? limiter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(key);
        return options.AddPolicy(policyName, new KeyedEndpointPolicy(policyName, policy, key, limiter));
    }

    /// <summary>
    /// Answers every rejection (the global limiter's and policies' without their own handler) with
    /// <see cref="RateLimitResponseOptions.StatusCode"/> (429 unless set through
    /// <c>AddRedisCellExceptionHandler(o =&gt; o.StatusCode = …)</c>) and rate-limit headers taken from the
    /// lease: a <see cref="CellRateLimiter"/> or <see cref="CellPartitionedRateLimiter{TResource}"/> lease
    /// gives the full set and a ProblemDetails body, any other lease its <c>Retry-After</c>.
    /// </summary>
    /// <remarks>
    /// <see cref="RateLimiterOptions.RejectionStatusCode"/> is left as it is but has no effect: ASP.NET Core
    /// sets it before calling <see cref="RateLimiterOptions.OnRejected"/>, which then sets the status above,
    /// so that a refusal has the same status whichever limiter refused it and whichever path (exception or
    /// middleware) answered it.
    /// </remarks>
    /// <param name="options">The rate-limiter options.</param>
    public static RateLimiterOptions UseRedisCellRejectionResponse(this RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OnRejected = WriteRejectionAsync;
        return options;
    }

    internal static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        HttpContext http = context.HttpContext;
        if (http.Response.HasStarted) return;
        if (context.Lease.TryGetMetadata(CellLeaseMetadata.Result, out RateLimitResult result) && result.Rule.Policy is not null)
        {
            await RateLimitProblemWriter.WriteLimitedAsync(http, result, null).ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = RateLimitProblemWriter.ResponseOptions(http).StatusCode;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, RateLimitHeaders.CeilingSeconds(retryAfter)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
