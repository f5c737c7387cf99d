using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>Generic hosts with in-memory configuration and nothing from the machine's environment.</summary>
public static class Hosts
{
    public static IHost Build(IDictionary<string, string?> configuration, Action<IServiceCollection> configureServices)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(configuration);
        configureServices(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// Every options validation failure in an exception and its inner exceptions, once each as the
    /// validator reported it, so a test can count them.
    /// </summary>
    public static IReadOnlyList<string> ValidationFailures(Exception exception) =>
        [.. WithInner(exception).OfType<OptionsValidationException>().SelectMany(e => e.Failures)];

    /// <summary>Every message in an exception and its inner exceptions, so a test can look for a phrase wherever the host put it.</summary>
    public static string AllMessages(Exception exception) => string.Join(Environment.NewLine, WithInner(exception).Select(e => e.Message));

    private static IEnumerable<Exception> WithInner(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.Count > 0)
        {
            Exception current = pending.Pop();
            yield return current;
            if (current is AggregateException aggregate) foreach (Exception inner in aggregate.InnerExceptions) pending.Push(inner);
            else if (current.InnerException is not null) pending.Push(current.InnerException);
        }
    }
}
