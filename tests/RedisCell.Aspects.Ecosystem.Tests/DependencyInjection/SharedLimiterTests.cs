using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

namespace RedisCell.Aspects.Ecosystem.Tests.DependencyInjection;

/// <summary>The host's limiter is what generated code calls (SharedLimiter.Current), for exactly as long as the host runs.</summary>
public sealed class SharedLimiterTests
{
    [Fact]
    public async Task TheHostsLimiterIsSharedWhileTheHostRuns()
    {
        CellLimiter before = SharedLimiter.Current;
        using IHost host = InProcessHost();
        CellLimiter mine = host.Services.GetRequiredService<CellLimiter>();
        Assert.NotSame(mine, SharedLimiter.Current);

        await host.StartAsync();
        Assert.Same(mine, SharedLimiter.Current);

        await host.StopAsync();
        Assert.Same(before, SharedLimiter.Current);
    }

    [Fact]
    public async Task OverlappingHostsHandTheSharedLimiterBackInAnyOrder()
    {
        CellLimiter before = SharedLimiter.Current;
        using IHost first = InProcessHost();
        using IHost second = InProcessHost();
        using IHost third = InProcessHost();
        CellLimiter firstLimiter = first.Services.GetRequiredService<CellLimiter>();
        CellLimiter secondLimiter = second.Services.GetRequiredService<CellLimiter>();
        CellLimiter thirdLimiter = third.Services.GetRequiredService<CellLimiter>();

        await first.StartAsync();
        await second.StartAsync();
        await third.StartAsync();
        Assert.Same(thirdLimiter, SharedLimiter.Current);

        // Stopping one that is not on top changes nothing.
        await second.StopAsync();
        Assert.Same(thirdLimiter, SharedLimiter.Current);

        // Stopping the top one falls back to the most recent host still running, never to a stopped one.
        await third.StopAsync();
        Assert.Same(firstLimiter, SharedLimiter.Current);

        await first.StopAsync();
        Assert.Same(before, SharedLimiter.Current);
        Assert.NotSame(secondLimiter, SharedLimiter.Current);
    }

    [Fact]
    public async Task AHostDisposedWithoutStoppingStillHandsTheSharedLimiterBack()
    {
        CellLimiter before = SharedLimiter.Current;
        IHost host = InProcessHost();
        await host.StartAsync();
        Assert.NotSame(before, SharedLimiter.Current);
        host.Dispose();
        Assert.Same(before, SharedLimiter.Current);
    }

    [Fact]
    public async Task AnExplicitConfigureSharedWinsOverTheHost()
    {
        CellLimiter before = SharedLimiter.Current;
        using var explicitly = new InProcessCellLimiter();
        using IHost host = InProcessHost();
        await host.StartAsync();
        SharedLimiter.Configure(explicitly);
        await host.StopAsync();
        Assert.Same(explicitly, SharedLimiter.Current);
        SharedLimiter.Configure(before);
    }

    [Fact]
    public async Task NamedLimitersAreSharedUnderTheirNameAndRemovedWhenTheHostStops()
    {
        using IHost host = Hosts.Build(new Dictionary<string, string?> { ["RedisCell:Limiters:billing:InProcess"] = "true" }, services => services.AddRedisCell("billing"));
        Assert.Throws<InvalidOperationException>(() => SharedLimiter.Get("billing"));
        await host.StartAsync();
        Assert.Same(host.Services.GetRequiredKeyedService<CellLimiter>("billing"), SharedLimiter.Get("billing"));
        await host.StopAsync();
        Assert.Throws<InvalidOperationException>(() => SharedLimiter.Get("billing"));
    }

    [Fact]
    public async Task TheLimiterIsSharedBeforeAnyHostedServiceStarts()
    {
        // ASP.NET Core's server is a hosted service registered before the application's services and
        // starts listening in its StartAsync. A hosted service registered before AddRedisCell stands in
        // for it: when its StartAsync runs, generated code must already see the host's limiter.
        var observed = new SharedLimiterObserver();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IHostedService>(observed);
        builder.Configuration["RedisCell:InProcess"] = "true";
        builder.Services.AddRedisCell();
        await using WebApplication app = builder.Build();
        await app.StartAsync();
        Assert.Same(app.Services.GetRequiredService<CellLimiter>(), observed.SeenAtStart);
        await app.StopAsync();
    }

    private static IHost InProcessHost() =>
        Hosts.Build(new Dictionary<string, string?> { ["RedisCell:InProcess"] = "true" }, services => services.AddRedisCell());

    private sealed class SharedLimiterObserver : IHostedService
    {
        public CellLimiter? SeenAtStart { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            SeenAtStart = SharedLimiter.Current;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
