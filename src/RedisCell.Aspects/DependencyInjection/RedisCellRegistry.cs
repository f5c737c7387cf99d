using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>The names of the limiters registered in one service collection ("" for the default).</summary>
internal sealed class RedisCellRegistry
{
    private readonly List<string> _names = [];

    public IReadOnlyList<string> Names => _names;

    public bool Contains(string name) => _names.Contains(name);

    public bool Add(string name)
    {
        if (_names.Contains(name)) return false;
        _names.Add(name);
        return true;
    }

    public static RedisCellRegistry GetOrAdd(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services.Where(d => d.ServiceType == typeof(RedisCellRegistry) && !d.IsKeyedService))
        {
            if (descriptor.ImplementationInstance is RedisCellRegistry existing) return existing;
        }

        var registry = new RedisCellRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}
