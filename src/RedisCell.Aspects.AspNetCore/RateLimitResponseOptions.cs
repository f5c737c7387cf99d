using System;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>How a refused request is answered: status code and rate-limit headers.</summary>
public sealed class RateLimitResponseOptions
{
    /// <summary>The status code of a refused request; 429 Too Many Requests unless you need another.</summary>
    public int StatusCode { get; set; } = 429;

    /// <summary>Writes <c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c> and <c>X-RateLimit-Reset</c> (default true).</summary>
    public bool XRateLimitHeaders { get; set; } = true;

    /// <summary>What <c>X-RateLimit-Reset</c> holds: seconds from now (the default) or a Unix time in seconds.</summary>
    public RateLimitResetFormat ResetFormat { get; set; } = RateLimitResetFormat.DeltaSeconds;

    /// <summary>
    /// Writes the IETF pair <c>RateLimit-Policy: "name";q=limit;w=window</c> and
    /// <c>RateLimit: "name";r=remaining;t=reset</c> (draft-ietf-httpapi-ratelimit-headers), default false.
    /// </summary>
    public bool IetfHeaders { get; set; }

    /// <summary>
    /// The policy name in the IETF headers. Defaults to <c>gcra</c> or <c>fixed_window</c>. It must be
    /// printable ASCII without <c>"</c> or <c>\</c>.
    /// </summary>
    public Func<RateLimitPolicy, string>? IetfPolicyName { get; set; }

    /// <summary>The clock for <see cref="RateLimitResetFormat.UnixSeconds"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>The form of <c>X-RateLimit-Reset</c>.</summary>
public enum RateLimitResetFormat
{
    /// <summary>Whole seconds until the key is back to its full limit, rounded up.</summary>
    DeltaSeconds = 0,

    /// <summary>The Unix time, in whole seconds rounded up, at which the key is back to its full limit (as GitHub sends it).</summary>
    UnixSeconds = 1,
}
