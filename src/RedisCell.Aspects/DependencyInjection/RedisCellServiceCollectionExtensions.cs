using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedisCell.Aspects;
using RedisCell.Aspects.DependencyInjection;
using RedisCell.Aspects.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers RedisCell.Aspects limiters in a service collection.</summary>
public static class RedisCellServiceCollectionExtensions
{
    /// <summary>The configuration section the default limiter is bound from: <c>RedisCell</c>.</summary>
    public const string ConfigurationSectionName = "RedisCell";

    /// <summary>
    /// Registers the default limiter: a singleton <see cref="CellLimiter"/> bound from the
    /// <c>RedisCell</c> configuration section, which becomes <see cref="SharedLimiter.Current"/> (the
    /// limiter code generated for the attributes calls) when the host starts.
    /// </summary>
    /// <remarks>
    /// Keys: <c>Connection</c> and <c>InProcess</c> (<see cref="RedisCellConnectionOptions"/>) and
    /// the <see cref="RedisCellOptions"/> (<c>KeyPrefix</c>, <c>Failure:Mode</c>, …; <c>docs/configuration.md</c>).
    /// The host validates them at start: a wrong value, an unknown key or a missing store stops it
    /// with a message naming the setting. Without a host, pass the resolved limiter to
    /// <see cref="SharedLimiter.Configure(CellLimiter)"/> yourself.
    /// </remarks>
    /// <param name="services">The services to add to.</param>
    /// <param name="configure">Changes the options after configuration is bound.</param>
    public static RedisCellBuilder AddRedisCell(this IServiceCollection services, Action<RedisCellOptions>? configure = null) =>
        Register(services, Microsoft.Extensions.Options.Options.DefaultName, configure);

    /// <summary>
    /// Registers a named limiter, for applications that talk to more than one Redis: a keyed
    /// singleton <see cref="CellLimiter"/> (service key <paramref name="name"/>) bound from
    /// <c>RedisCell:Limiters:{name}</c>, which becomes <see cref="SharedLimiter.Get(string)"/>
    /// for <paramref name="name"/> while the host runs. Attributes use it when they name it
    /// (<c>[Throttle("card:{cardId}", 5, 10, 60, Limiter = "billing")]</c>) and the default limiter
    /// otherwise; code that talks to the other Redis injects it (<c>[FromKeyedServices("billing")]</c>)
    /// or asks for it by name.
    /// </summary>
    /// <param name="services">The services to add to.</param>
    /// <param name="name">The limiter's name.</param>
    /// <param name="configure">Changes the options after configuration is bound.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static RedisCellBuilder AddRedisCell(this IServiceCollection services, string name, Action<RedisCellOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Register(services, name, configure);
    }

    private static RedisCellBuilder Register(IServiceCollection services, string name, Action<RedisCellOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        RedisCellRegistry registry = RedisCellRegistry.GetOrAdd(services);
        if (registry.Add(name))
        {
            string section = RedisCellBuilder.SectionPathFor(name);

            // Order matters: the container's defaults, then configuration, then code.
            services.AddOptions<RedisCellOptions>(name)
                .Configure<IServiceProvider>((options, provider) =>
                {
                    if (provider.GetService<TimeProvider>() is { } time) options.TimeProvider = time;
                    if (provider.GetService<ILoggerFactory>() is { } loggers) options.LoggerFactory = loggers;
                    BindSection(provider, section, options);
                })
                .ValidateOnStart();
            services.AddOptions<RedisCellConnectionOptions>(name)
                .Configure<IServiceProvider>((options, provider) => BindSection(provider, section, options))
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCellOptions>, RedisCellOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCellConnectionOptions>, RedisCellOptionsValidator>());

            if (name.Length == 0)
            {
                services.AddSingleton<CellLimiter>(provider => LimiterFactory.Create(provider, name));
            }
            else
            {
                services.AddKeyedSingleton<CellLimiter>(name, (provider, _) => LimiterFactory.Create(provider, name));
            }

            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SharedLimiterHostedService>());
        }

        if (configure is not null) services.Configure(name, configure);
        return new RedisCellBuilder(services, name);
    }

    // A value the binder cannot convert ("FailOpn", "fast") would throw its own exception here,
    // without the valid values; RedisCellOptionsValidator reports it instead, naming them.
    private static void BindSection(IServiceProvider provider, string section, object options)
    {
        try
        {
            provider.GetService<IConfiguration>()?.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
