using System;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.AspNetCore;

// EventIds 150-199: the hosting integration's range (100-199), ASP.NET Core part.
internal static partial class Log
{
    [LoggerMessage(EventId = 150, EventName = "RequestRateLimited", Level = LogLevel.Debug,
        Message = "{Method} {Path} is over its rate limit ({Policy}); answered with Retry-After {RetryAfterSeconds} s.")]
    public static partial void RequestLimited(ILogger logger, string method, PathString path, string policy, double retryAfterSeconds);

    [LoggerMessage(EventId = 151, EventName = "RateLimiterUnavailable", Level = LogLevel.Warning,
        Message = "{Method} {Path} refused with 503: the rate limiter's store could not decide and the failure policy is FailClosed.")]
    public static partial void RateLimiterUnavailable(ILogger logger, string method, PathString path, Exception exception);
}
