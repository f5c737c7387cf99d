using System;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;

namespace RedisCell.Aspects.AspNetCore;

/// <summary>
/// Writes rate-limit headers from a <see cref="RateLimitResult"/>: everything comes from the result, so no
/// second round trip to Redis is needed. Call it on successful responses too, to let clients pace themselves.
/// </summary>
public static class RateLimitHeaders
{
    /// <summary><c>X-RateLimit-Limit</c>: the limit.</summary>
    public const string Limit = "X-RateLimit-Limit";

    /// <summary><c>X-RateLimit-Remaining</c>: what is left now.</summary>
    public const string Remaining = "X-RateLimit-Remaining";

    /// <summary><c>X-RateLimit-Reset</c>: when the key is back to its full limit.</summary>
    public const string Reset = "X-RateLimit-Reset";

    /// <summary><c>RateLimit</c>: the IETF draft's current-state field.</summary>
    public const string IetfRateLimit = "RateLimit";

    /// <summary><c>RateLimit-Policy</c>: the IETF draft's policy field.</summary>
    public const string IetfRateLimitPolicy = "RateLimit-Policy";

    /// <summary>
    /// Sets <c>Retry-After</c> (on a limited result that can ever pass), the <c>X-RateLimit-*</c> headers and,
    /// when enabled, the IETF <c>RateLimit</c> / <c>RateLimit-Policy</c> pair. Durations are whole seconds,
    /// rounded up so that a client that waits them out is never early.
    /// </summary>
    public static void Apply(HttpResponse response, in RateLimitResult result, RateLimitResponseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        options ??= new RateLimitResponseOptions();
        IHeaderDictionary headers = response.Headers;
        long resetSeconds = CeilingSeconds(result.ResetAfter);

        if (result.Limited && result.RetryAfter >= TimeSpan.Zero)
        {
            headers[HeaderNames.RetryAfter] = Text(Math.Max(1, CeilingSeconds(result.RetryAfter)));
        }

        if (options.XRateLimitHeaders)
        {
            headers[Limit] = Text(result.Limit);
            headers[Remaining] = Text(result.Remaining);
            headers[Reset] = options.ResetFormat == RateLimitResetFormat.UnixSeconds
                ? Text(CeilingSeconds(options.TimeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch + result.ResetAfter))
                : Text(resetSeconds);
        }

        if (options.IetfHeaders)
        {
            RateLimitPolicy policy = result.Rule.Policy;
            string name = PolicyName(options, policy);
            headers[IetfRateLimitPolicy] = $"\"{name}\";q={Text(result.Limit)};w={Text(WindowSeconds(policy))}";
            headers[IetfRateLimit] = $"\"{name}\";r={Text(result.Remaining)};t={Text(resetSeconds)}";
        }
    }

    internal static long CeilingSeconds(TimeSpan value) =>
        value <= TimeSpan.Zero ? 0 : (value.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    // The time a full quota takes to come back: the GCRA's tolerance, or the fixed window.
    private static long WindowSeconds(RateLimitPolicy policy) => policy switch
    {
        GcraPolicy gcra => Math.Max(1, (gcra.DelayVariationToleranceNanoseconds + 999_999_999) / 1_000_000_000),
        FixedWindowPolicy window => Math.Max(1, (window.WindowMilliseconds + 999) / 1000),
        _ => 1,
    };

    private static string PolicyName(RateLimitResponseOptions options, RateLimitPolicy policy)
    {
        string name = options.IetfPolicyName?.Invoke(policy) ?? (policy is GcraPolicy ? "gcra" : "fixed_window");
        foreach (char c in name)
        {
            if (c < 0x20 || c > 0x7E || c is '"' or '\\')
            {
                throw new InvalidOperationException($"The rate-limit policy name '{name}' cannot appear in a RateLimit header: use printable ASCII without '\"' or '\\'.");
            }
        }

        return name;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
