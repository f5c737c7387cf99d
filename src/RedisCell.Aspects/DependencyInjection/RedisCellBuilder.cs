using System;
using Microsoft.Extensions.DependencyInjection;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Redis;
using StackExchange.Redis;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>
/// Configures one limiter registered with <c>services.AddRedisCell(...)</c>: where its state lives
/// and its <see cref="RedisCellOptions"/>. Every method returns the builder so calls chain.
/// </summary>
public sealed class RedisCellBuilder
{
    internal RedisCellBuilder(IServiceCollection services, string name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>The services the limiter is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The limiter's name; empty for the default limiter (<see cref="SharedLimiter.Current"/>).</summary>
    public string Name { get; }

    /// <summary>
    /// The configuration section the limiter is bound from: <c>RedisCell</c> for the default limiter,
    /// <c>RedisCell:Limiters:{name}</c> for a named one.
    /// </summary>
    public string ConfigurationSectionPath => SectionPathFor(Name);

    /// <summary>Changes the limiter's options after configuration is bound.</summary>
    public RedisCellBuilder Configure(Action<RedisCellOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(Name, configure);
        return this;
    }

    /// <summary>Connects to <paramref name="configuration"/> (a StackExchange.Redis configuration string or a <c>redis://</c> URL).</summary>
    public RedisCellBuilder UseConnection(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        Services.Configure<RedisCellConnectionOptions>(Name, options => options.Connection = configuration);
        return this;
    }

    /// <summary>Uses the connection <paramref name="factory"/> returns; the application keeps owning it.</summary>
    public RedisCellBuilder UseConnection(Func<IServiceProvider, IConnectionMultiplexer> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Configure<RedisCellConnectionOptions>(Name, options => options.ConnectionFactory = factory);
        return this;
    }

    /// <summary>Keeps the limits in this process (<see cref="InProcessCellLimiter"/>) instead of Redis.</summary>
    public RedisCellBuilder UseInProcess()
    {
        Services.Configure<RedisCellConnectionOptions>(Name, options => options.InProcess = true);
        return this;
    }

    internal static string SectionPathFor(string name) =>
        name.Length == 0 ? RedisCellServiceCollectionExtensions.ConfigurationSectionName : $"{RedisCellServiceCollectionExtensions.ConfigurationSectionName}:Limiters:{name}";
}
