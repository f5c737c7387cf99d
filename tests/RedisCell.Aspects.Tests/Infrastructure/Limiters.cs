using Microsoft.Extensions.Time.Testing;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>Builds the limiter a theory row names: the in-process twin or a Redis engine.</summary>
public static class Limiters
{
    public const string InProcess = "InProcess";

    /// <summary>The twin plus every available engine, the module-backed one included.</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { InProcess };
            foreach (string engine in Engine.WithModule) data.Add(engine);
            return data;
        }
    }

    public static async Task<CellLimiter> CreateAsync(string kind, string test, TimeProvider? time = null)
    {
        RedisCellOptions options = Engine.Options(Engine.UniquePrefix(test));
        options.TimeProvider = time ?? TimeProvider.System;
        return kind == InProcess
            ? new InProcessCellLimiter(options.TimeProvider)
            : await Engine.LimiterAsync(kind, options);
    }

    public static FakeTimeProvider FakeClock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
