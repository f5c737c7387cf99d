using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>A web application on real Kestrel, on 127.0.0.1 and a port the OS picks, with a client for it.</summary>
public sealed class WebApp : IAsyncDisposable
{
    private WebApp(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<WebApp> StartAsync(Action<WebApplicationBuilder> configureBuilder, Action<WebApplication> configureApp, string environment = "Test")
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configureBuilder(builder);
        WebApplication app = builder.Build();
        configureApp(app);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        return new WebApp(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
