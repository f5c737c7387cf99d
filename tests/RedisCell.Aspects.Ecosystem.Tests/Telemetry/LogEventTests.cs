using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Ecosystem.Tests.Telemetry;

/// <summary>The log events the packages write, and the table of them in docs/observability.md.</summary>
public sealed class LogEventTests
{
    private static readonly Assembly[] Packages = [typeof(CellLimiter).Assembly, typeof(RedisCell.Aspects.AspNetCore.RateLimitHeaders).Assembly];

    [Fact]
    public void EveryEventHasOneRowInTheObservabilityTableWithItsLevelAndName()
    {
        LoggerMessageAttribute[] events = Packages
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .OrderBy(e => e.EventId)
            .ToArray();
        Assert.NotEmpty(events);

        // Rows of the Logs table: | id | level | `category` | `EventName`: text |
        var rows = Regex.Matches(File.ReadAllText(Repository.File("docs/observability.md")), @"^\| (\d+) \| (\w+) \| `[\w.]+` \| `(\w+)`:", RegexOptions.Multiline)
            .Select(m => (Id: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Level: m.Groups[2].Value, Name: m.Groups[3].Value))
            .ToArray();
        Assert.Equal(events.Select(e => (e.EventId, e.Level.ToString(), e.EventName ?? "")), rows.Select(r => (r.Id, r.Level, r.Name)));
    }

    [Fact]
    public async Task TheRedisLimitersEventsAreLoggedUnderItsOwnCategory()
    {
        // A connection whose SyncTimeout (10 s) is longer than the limiter's timeout: the first
        // synchronous decision opens a dedicated connection and says so with event 4.
        ConnectionMultiplexer connection = await Servers.ConnectionAsync(Servers.Default);
        var logs = new RecordingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        RedisCellOptions options = Servers.Options(Servers.UniquePrefix("log-category"));
        options.Failure.Timeout = TimeSpan.FromSeconds(2);
        options.LoggerFactory = factory;
        using var limiter = new RedisCellLimiter(connection, options);
        Assert.True(limiter.Check(new RateLimitRule(new GcraPolicy(5, 1, 60), "k")).Allowed);

        var entry = Assert.Single(logs.Entries, e => e.EventId.Id == 4);
        Assert.Equal(("RedisCell.Aspects.RedisCellLimiter", "SyncConnectionOpened", LogLevel.Information), (entry.Category, entry.EventId.Name, entry.Level));
    }
}
