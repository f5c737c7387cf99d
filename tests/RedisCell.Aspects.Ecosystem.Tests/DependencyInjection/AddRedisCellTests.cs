using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Ecosystem.Tests.DependencyInjection;

public sealed class AddRedisCellTests
{
    private static readonly GcraPolicy TwoPerMinute = new(1, 1, 60);

    [Fact]
    public async Task BindsTheRedisCellSectionAndKeepsStateInTheConfiguredRedis()
    {
        string prefix = Servers.UniquePrefix("bind");
        using IHost host = Hosts.Build(
            new Dictionary<string, string?>
            {
                ["RedisCell:Connection"] = Servers.DefaultConfiguration,
                ["RedisCell:KeyPrefix"] = prefix,
                ["RedisCell:Failure:Mode"] = "FailClosed",
                ["RedisCell:Clock"] = "client",
                ["RedisCell:Database"] = "0",
                ["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString(),
                ["RedisCell:DenyCache:Capacity"] = "16",
                ["RedisCell:MaxDecisionsPerBatch"] = "8",
            },
            services => services.AddRedisCell());
        await host.StartAsync();

        var limiter = Assert.IsType<RedisCellLimiter>(host.Services.GetRequiredService<CellLimiter>());
        Assert.Equal(prefix, limiter.Options.KeyPrefix);
        Assert.Equal(FailureMode.FailClosed, limiter.Options.Failure.Mode);
        Assert.Equal(ClockSource.Client, limiter.Options.Clock);
        Assert.Equal(0, limiter.Options.Database);
        Assert.Equal(8, limiter.Options.MaxDecisionsPerBatch);
        Assert.Equal(Servers.TestTimeout, limiter.Options.Failure.Timeout);
        Assert.Equal(16, limiter.Options.DenyCache.Capacity);

        Assert.True(limiter.Check(new RateLimitRule(TwoPerMinute, "user:1")).Allowed);
        IDatabase store = (await Servers.ConnectionAsync(Servers.Default)).GetDatabase(0);
        Assert.True(await store.KeyExistsAsync(prefix + "user:1"));
        await host.StopAsync();
    }

    [Fact]
    public async Task CodeConfigurationRunsAfterTheSectionIsBound()
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true", ["RedisCell:KeyPrefix"] = "from-config:" },
            services => services.AddRedisCell(options => options.KeyPrefix = "from-code:"));
        await host.StartAsync();
        Assert.Equal("from-code:", OptionsOf(host, "").KeyPrefix);
        await host.StopAsync();
    }

    [Fact]
    public async Task ReusesTheApplicationsConnectionAndLeavesItOpen()
    {
        ConnectionMultiplexer application = await Servers.ConnectAsync(Servers.DefaultConfiguration);
        using (IHost host = Hosts.Build(new Dictionary<string, string?>(), services =>
               {
                   services.AddSingleton<IConnectionMultiplexer>(application);
                   services.AddRedisCell();
               }))
        {
            await host.StartAsync();
            var limiter = Assert.IsType<RedisCellLimiter>(host.Services.GetRequiredService<CellLimiter>());
            Assert.Same(application, limiter.Connection);
            await host.StopAsync();
        }

        // The container disposed the limiter; the connection belongs to the application.
        Assert.True(application.IsConnected);
        await application.DisposeAsync();
    }

    [Fact]
    public async Task ClosesTheConnectionItOpenedWhenTheContainerIsDisposed()
    {
        IConnectionMultiplexer opened;
        using (IHost host = Hosts.Build(new Dictionary<string, string?> { ["RedisCell:Connection"] = Servers.DefaultConfiguration }, services => services.AddRedisCell()))
        {
            await host.StartAsync();
            opened = Assert.IsType<RedisCellLimiter>(host.Services.GetRequiredService<CellLimiter>()).Connection;
            Assert.True(opened.IsConnected);
            await host.StopAsync();
        }

        Assert.False(opened.IsConnected);
    }

    [Fact]
    public async Task NamedLimitersTalkToTheirOwnRedis()
    {
        string prefix = Servers.UniquePrefix("named");
        using IHost host = Hosts.Build(
            new Dictionary<string, string?>
            {
                ["RedisCell:Connection"] = Servers.DefaultConfiguration,
                ["RedisCell:KeyPrefix"] = prefix,
                ["RedisCell:Limiters:billing:Connection"] = Servers.SecondConfiguration,
                ["RedisCell:Limiters:billing:KeyPrefix"] = prefix + "billing:",
                ["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString(),
                ["RedisCell:Failure:Mode"] = "FailClosed",
                ["RedisCell:Limiters:billing:Failure:Timeout"] = Servers.TestTimeout.ToString(),
                ["RedisCell:Limiters:billing:Failure:Mode"] = "FailClosed",
            },
            services =>
            {
                services.AddRedisCell();
                services.AddRedisCell("billing");
            });
        await host.StartAsync();

        CellLimiter main = host.Services.GetRequiredService<CellLimiter>();
        CellLimiter billing = host.Services.GetRequiredKeyedService<CellLimiter>("billing");
        Assert.NotSame(main, billing);
        Assert.Same(main, SharedLimiter.Current);
        Assert.Same(billing, SharedLimiter.Get("billing"));

        main.Check(new RateLimitRule(TwoPerMinute, "k"));
        billing.Check(new RateLimitRule(TwoPerMinute, "k"));
        await using ConnectionMultiplexer second = await Servers.ConnectAsync(Servers.SecondConfiguration);
        IDatabase first = (await Servers.ConnectionAsync(Servers.Default)).GetDatabase();
        Assert.True(await first.KeyExistsAsync(prefix + "k"));
        Assert.False(await first.KeyExistsAsync(prefix + "billing:k"));
        Assert.True(await second.GetDatabase().KeyExistsAsync(prefix + "billing:k"));
        await host.StopAsync();
    }

    [Fact]
    public async Task ANamedLimiterUsesTheConnectionRegisteredUnderItsName()
    {
        ConnectionMultiplexer main = await Servers.ConnectAsync(Servers.DefaultConfiguration);
        ConnectionMultiplexer billing = await Servers.ConnectAsync(Servers.SecondConfiguration);
        using IHost host = Hosts.Build(new Dictionary<string, string?>(), services =>
        {
            services.AddSingleton<IConnectionMultiplexer>(main);
            services.AddKeyedSingleton<IConnectionMultiplexer>("billing", billing);
            services.AddRedisCell();
            services.AddRedisCell("billing");
            services.AddRedisCell("audit");
        });
        await host.StartAsync();
        Assert.Same(main, ((RedisCellLimiter)host.Services.GetRequiredService<CellLimiter>()).Connection);
        Assert.Same(billing, ((RedisCellLimiter)host.Services.GetRequiredKeyedService<CellLimiter>("billing")).Connection);

        // No connection under its name: the application's unkeyed one.
        Assert.Same(main, ((RedisCellLimiter)host.Services.GetRequiredKeyedService<CellLimiter>("audit")).Connection);
        await host.StopAsync();
        host.Dispose();
        await main.DisposeAsync();
        await billing.DisposeAsync();
    }

    [Fact]
    public async Task TheBuilderChoosesTheStoreInCode()
    {
        using IHost host = Hosts.Build(new Dictionary<string, string?>(), services =>
        {
            services.AddRedisCell().UseInProcess().Configure(o => o.KeyPrefix = "code:");
            services.AddRedisCell("redis").UseConnection(Servers.DefaultConfiguration);
        });
        await host.StartAsync();
        CellLimiter main = host.Services.GetRequiredService<CellLimiter>();
        Assert.IsType<InProcessCellLimiter>(main);
        Assert.Equal("code:", OptionsOf(host, "").KeyPrefix);
        Assert.IsType<RedisCellLimiter>(host.Services.GetRequiredKeyedService<CellLimiter>("redis"));
        await host.StopAsync();
    }

    [Theory]
    [InlineData("KeyPrefix", "tenant{1}:", "RedisCell:KeyPrefix: KeyPrefix 'tenant{1}:' contains a brace")]
    [InlineData("Database", "-4", "RedisCell:Database: Database -4 is not a database index.")]
    [InlineData("MaxDecisionsPerBatch", "0", "RedisCell:MaxDecisionsPerBatch: MaxDecisionsPerBatch 0 must be from 1 (every decision sent alone) to 1024.")]
    [InlineData("KeyPrefx", "app:", "RedisCell:KeyPrefx is not a rate limiter setting. Known settings: Connection, InProcess, KeyPrefix")]
    [InlineData("Failure:Timeout", "00:00:00", "RedisCell:Failure:Timeout: Timeout 00:00:00 must be from 1 ms to 1 hour")]
    [InlineData("Failure:Mode", "FailClosed", null)]
    [InlineData("Failure:Timout", "00:00:01", "RedisCell:Failure:Timout is not a rate limiter setting. Known settings there: Mode, Timeout, BreakAfterFailures, BreakDuration, LocalShare, LogInterval.")]
    [InlineData("DenyCache:Capacity", "-1", "RedisCell:DenyCache:Capacity: Capacity -1 must be from 0 (off) to 1048576 keys.")]
    [InlineData("Timeout", "00:00:01", "RedisCell:Timeout is now RedisCell:Failure:Timeout.")]
    [InlineData("FailurePolicy", "FailClosed", "RedisCell:FailurePolicy is now RedisCell:Failure:Mode.")]
    [InlineData("LocalDenyCacheCapacity", "0", "RedisCell:LocalDenyCacheCapacity is now RedisCell:DenyCache:Capacity.")]
    [InlineData("Connection", "redis://", "RedisCell:Connection: 'redis://' is not a valid redis:// URL.")]
    [InlineData("Connection", " ", "RedisCell:Connection is empty")]
    public async Task AWrongSettingStopsTheHostWithItsPath(string key, string value, string? expected)
    {
        var configuration = new Dictionary<string, string?> { [$"RedisCell:{key}"] = value };
        if (key != "Connection") configuration["RedisCell:InProcess"] = "true";
        using IHost host = Hosts.Build(configuration, services => services.AddRedisCell());
        if (expected is null)
        {
            // The control case: the same shape with a right value starts.
            await host.StartAsync();
            await host.StopAsync();
            return;
        }

        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(expected, Hosts.AllMessages(failure));
    }

    private static RedisCellOptions OptionsOf(IHost host, string name) =>
        host.Services.GetRequiredService<IOptionsMonitor<RedisCellOptions>>().Get(name);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ALimitersSectionNoLimiterIsRegisteredUnderStopsTheHostOnce(bool withDefaultLimiter)
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?>
            {
                ["RedisCell:InProcess"] = "true",
                ["RedisCell:Limiters:billing:InProcess"] = "true",
                ["RedisCell:Limiters:biling:Connection"] = "billing-redis:6379",
            },
            services =>
            {
                if (withDefaultLimiter) services.AddRedisCell();
                services.AddRedisCell("billing");
                services.AddRedisCell("audit").UseInProcess();
            });
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        // Reported once, however many limiters are registered, whether or not the default is one of them.
        string message = Assert.Single(Hosts.ValidationFailures(failure), f => f.Contains("Limiters:biling", StringComparison.Ordinal));
        Assert.Equal(
            "RedisCell:Limiters:biling configures no limiter: nothing is registered with AddRedisCell(\"biling\"), so its settings would be ignored. Registered named limiters: 'billing', 'audit'.",
            message);
    }

    [Fact]
    public async Task ALimitersSectionWithoutAnyNamedLimiterSaysNoneIsRegistered()
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true", ["RedisCell:Limiters:billing:KeyPrefix"] = "billing:" },
            services => services.AddRedisCell());
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("RedisCell:Limiters:billing configures no limiter", Hosts.AllMessages(failure));
        Assert.Contains("No named limiter is registered.", Hosts.AllMessages(failure));
    }

    [Fact]
    public async Task ANamedLimitersSectionMatchesItsNameInAnyCaseAsConfigurationDoes()
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:Limiters:BILLING:InProcess"] = "true", ["RedisCell:Limiters:BILLING:KeyPrefix"] = "billing:" },
            services => services.AddRedisCell("billing"));
        await host.StartAsync();
        Assert.IsType<InProcessCellLimiter>(host.Services.GetRequiredKeyedService<CellLimiter>("billing"));
        Assert.Equal("billing:", OptionsOf(host, "billing").KeyPrefix);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("TimeProvider")]
    [InlineData("LoggerFactory")]
    public async Task SettingsTheContainerGivesAreNotConfigurationSettings(string setting)
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true", [$"RedisCell:{setting}:Kind"] = "fake" },
            services => services.AddRedisCell());
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        string message = Assert.Single(Hosts.ValidationFailures(failure), f => f.StartsWith($"RedisCell:{setting} ", StringComparison.Ordinal));

        // The list names only what configuration can set.
        string known = message[(message.IndexOf("Known settings: ", StringComparison.Ordinal) + "Known settings: ".Length)..];
        Assert.Equal(
            "Connection, InProcess, KeyPrefix, ConnectTimeout, Database, Clock, MaxDecisionsPerBatch, RedisCellModule, Failure, DenyCache, and Limiters:{name} for named limiters.",
            known);
    }

    [Theory]
    [InlineData("Failure:Mode", "FailOpn", "RedisCell:Failure:Mode is 'FailOpn', which is not one of FailOpen, FailClosed, Local.")]
    [InlineData("Failure:Mode", "7", "RedisCell:Failure:Mode is '7', which is not one of FailOpen, FailClosed, Local.")]
    [InlineData("Clock", "wall", "RedisCell:Clock is 'wall', which is not one of Server, Client.")]
    [InlineData("Failure:Timeout", "fast", "RedisCell:Failure:Timeout is 'fast', which is not a duration such as 00:00:00.250.")]
    [InlineData("Database", "main", "RedisCell:Database is 'main', which is not a whole number.")]
    [InlineData("Failure:LocalShare", "half", "RedisCell:Failure:LocalShare is 'half', which is not a number.")]
    [InlineData("InProcess", "yes", "RedisCell:InProcess is 'yes', which is not true or false.")]
    public async Task AValueThatIsNotAnOptionNamesTheSettingAndWhatItShouldBe(string key, string value, string expected)
    {
        var configuration = new Dictionary<string, string?> { [$"RedisCell:{key}"] = value };
        if (key != "InProcess") configuration["RedisCell:InProcess"] = "true";
        using IHost host = Hosts.Build(configuration, services => services.AddRedisCell());
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains(expected, Hosts.AllMessages(failure));
        Assert.IsType<OptionsValidationException>(failure); // not the binder's conversion error, whose message lists nothing
    }

    [Fact]
    public async Task InProcessTogetherWithAConnectionIsRefused()
    {
        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true", ["RedisCell:Connection"] = Servers.DefaultConfiguration },
            services => services.AddRedisCell());
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("RedisCell: InProcess is set together with a connection", Hosts.AllMessages(failure));
    }

    [Fact]
    public async Task WithoutAStoreStartupSaysHowToConfigureOne()
    {
        using EnvironmentVariable _ = EnvironmentVariable.Set(SharedLimiter.RedisUrlVariable, null);
        using IHost host = Hosts.Build(new Dictionary<string, string?>(), services => services.AddRedisCell("billing"));
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        string messages = Hosts.AllMessages(failure);
        Assert.Contains("Rate limiter 'billing' has no store. Set RedisCell:Limiters:billing:Connection", messages);
        Assert.Contains("REDIS_URL", messages);
        Assert.Contains("RedisCell:Limiters:billing:InProcess", messages);
    }

    [Fact]
    public async Task RedisUrlIsTheLastResort()
    {
        using EnvironmentVariable _ = EnvironmentVariable.Set(SharedLimiter.RedisUrlVariable, "redis://" + Servers.DefaultConfiguration.Split(',')[0]);
        using IHost host = Hosts.Build(new Dictionary<string, string?>(), services => services.AddRedisCell());
        await host.StartAsync();
        var limiter = Assert.IsType<RedisCellLimiter>(host.Services.GetRequiredService<CellLimiter>());
        Assert.True(limiter.Connection.IsConnected);
        await host.StopAsync();
    }

    [Fact]
    public async Task UsesTheContainersTimeProvider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        using IHost host = Hosts.Build(new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true" }, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddRedisCell();
        });
        await host.StartAsync();
        CellLimiter limiter = host.Services.GetRequiredService<CellLimiter>();
        var oncePerMinute = new RateLimitRule(new GcraPolicy(0, 1, 60), "k");
        Assert.True(limiter.Check(oncePerMinute).Allowed);
        Assert.True(limiter.Check(oncePerMinute).Limited);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(limiter.Check(oncePerMinute).Allowed);
        await host.StopAsync();
    }

    [Fact]
    public async Task LogsThroughTheContainersLoggerFactory()
    {
        var logs = new RecordingLoggerProvider();
        using IHost host = Hosts.Build(new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true" }, services =>
        {
            services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            services.AddRedisCell();
        });
        await host.StartAsync();
        await host.StopAsync();

        Assert.Contains(logs.Entries, e => e.EventId.Id == 104 && e.Level == LogLevel.Warning && e.Message.Contains("keeps its limits in this process"));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 100 && e.Message.Contains("(default) (in_process) is the shared limiter"));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 101);
    }

    [Fact]
    public void WithoutAHostTheLimiterIsResolvedButNotShared()
    {
        var services = new ServiceCollection();
        services.AddRedisCell().UseInProcess();
        using ServiceProvider provider = services.BuildServiceProvider();
        CellLimiter limiter = provider.GetRequiredService<CellLimiter>();
        Assert.IsType<InProcessCellLimiter>(limiter);
        Assert.NotSame(limiter, SharedLimiter.Current);
    }

    [Fact]
    public void WithoutAHostOptionsAreValidatedWhenTheLimiterIsResolved()
    {
        var services = new ServiceCollection();
        services.AddRedisCell(o => o.KeyPrefix = "{all-in-one-slot}").UseInProcess();
        using ServiceProvider provider = services.BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<CellLimiter>());
        Assert.Contains("RedisCell:KeyPrefix: KeyPrefix '{all-in-one-slot}' contains a brace", failure.Message);
    }

    [Fact]
    public async Task TheHostLoadsTheScriptsAtStartupWithoutWritingAnything()
    {
        await using RedisCell.Aspects.TestServers.RedisServerProcess fresh = await RedisCell.Aspects.TestServers.RedisServerProcess.StartAsync();
        await using ConnectionMultiplexer probe = await Servers.ConnectAsync(fresh.Configuration);
        IServer server = probe.GetServer(probe.GetEndPoints()[0]);
        Assert.Equal(0, await CachedScriptsAsync(server));

        using IHost host = Hosts.Build(
            new Dictionary<string, string?> { ["RedisCell:Connection"] = fresh.Configuration, ["RedisCell:Failure:Timeout"] = Servers.TestTimeout.ToString() },
            services => services.AddRedisCell());
        await host.StartAsync();

        // The single-decision script (batch.lua, which batches too) and the multi-rule script.
        Assert.Equal(2, await CachedScriptsAsync(server));
        Assert.Equal(0, await server.DatabaseSizeAsync());
        await host.StopAsync();
    }

    private static async Task<long> CachedScriptsAsync(IServer server) =>
        long.Parse((await server.InfoAsync("memory")).SelectMany(g => g).Single(p => p.Key == "number_of_cached_scripts").Value, System.Globalization.CultureInfo.InvariantCulture);
}
