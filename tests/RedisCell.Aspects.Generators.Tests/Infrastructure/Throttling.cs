using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace RedisCell.Aspects.Generators.Tests.Infrastructure;

/// <summary>Asserts that a call is allowed a number of times and then refused with the right retry-after.</summary>
public static class Throttling
{
    /// <summary>A fixed instant for the in-process limiter's fake clock.</summary>
    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Calls <paramref name="call"/> <paramref name="allowed"/> times, which must succeed, then once
    /// more, which must throw <see cref="RateLimitExceededException"/> with
    /// <paramref name="retryAfter"/>: exactly on the in-process limiter's frozen clock, and at most
    /// that (minus the time the calls took) on a real server, whose clock runs.
    /// </summary>
    public static async Task<RateLimitExceededException> AssertLimitedAfterAsync(string engine, int allowed, TimeSpan retryAfter, Func<Task> call)
    {
        var elapsed = Stopwatch.StartNew();
        for (int i = 0; i < allowed; i++) await call();
        RateLimitExceededException refused = await Assert.ThrowsAsync<RateLimitExceededException>(call);
        if (engine == TestEngines.InProcess)
        {
            Assert.Equal(retryAfter, refused.RetryAfter);
        }
        else
        {
            // The server's clock and this process's stopwatch start apart by up to a round trip.
            Assert.InRange(refused.RetryAfter, retryAfter - elapsed.Elapsed - TimeSpan.FromMilliseconds(50), retryAfter);
        }

        return refused;
    }

    /// <summary>
    /// How long <paramref name="key"/> lives on in <paramref name="limiter"/>'s store: for a GCRA key,
    /// one emission interval for each unit counted and not yet recovered.
    /// </summary>
    public static async Task<TimeSpan> TimeToLiveAsync(CellLimiter limiter, string key) => limiter switch
    {
        InProcessCellLimiter local => TimeSpan.FromMilliseconds(local.Inspect(key).PttlMilliseconds),
        RedisCellLimiter redis => await redis.Connection.GetDatabase().KeyTimeToLiveAsync(redis.Options.KeyPrefix + key) ?? TimeSpan.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(limiter), limiter, null),
    };

    /// <summary>
    /// As <see cref="AssertLimitedAfterAsync"/> for a fixed window on a real server, whose window
    /// can end between two calls on a slow machine: then the attempt is repeated, at most 5 times.
    /// </summary>
    public static async Task<RateLimitExceededException> AssertFixedWindowAsync(string engine, int allowed, TimeSpan window, Func<Task> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            var elapsed = Stopwatch.StartNew();
            try
            {
                return await AssertLimitedAfterAsync(engine, allowed, window, call);
            }
            catch (Exception) when (engine != TestEngines.InProcess && attempt < 5 && elapsed.Elapsed >= window / 2)
            {
                // The window may have rolled over mid-attempt; wait for a fresh one and try again.
                await Task.Delay(window);
            }
        }
    }
}
