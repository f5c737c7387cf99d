using System;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using RedisCell.Aspects.Keys;
using RedisCell.Aspects.RateLimiting;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>
/// An ASP.NET Core endpoint policy (<c>IRateLimiterPolicy</c>) decided by a <see cref="CellLimiter"/>: every request maps to a key, and each key is
/// limited by one <see cref="RateLimitPolicy"/> shared by every instance of the application.
/// </summary>
internal sealed class KeyedEndpointPolicy : IRateLimiterPolicy<string>
{
    private readonly string _name;
    private readonly RateLimitPolicy _policy;
    private readonly Func<HttpContext, string> _key;
    private readonly CellRateLimiterOptions _options;

    public KeyedEndpointPolicy(string name, RateLimitPolicy policy, Func<HttpContext, string> key, CellLimiter? limiter)
    {
        _name = name;
        _policy = policy;
        _key = key;

        // The default AttemptAcquire defers on request (thread-pool) threads, and the middleware then
        // calls AcquireAsync: one asynchronous round trip per request, no thread waiting on Redis.
        _options = new CellRateLimiterOptions { Limiter = limiter };
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RedisCellRateLimiterOptionsExtensions.WriteRejectionAsync;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        string key = _key(httpContext) ?? throw new InvalidOperationException($"The key selector of rate-limiter policy '{_name}' returned null.");

        // The selector's value comes from the request (a user name, a header, an address): escaped, it
        // cannot pose as another policy's key or pick a Redis Cluster slot with braces, and bounded, a
        // huge value cannot become a huge key. The partition key is the store key, so ASP.NET Core
        // keeps the bounded string too.
        string storeKey = RateLimitKey.Create($"{_name}:{key}");
        return CellRateLimitPartition.Get(storeKey, _policy, static k => k, _options);
    }
}
