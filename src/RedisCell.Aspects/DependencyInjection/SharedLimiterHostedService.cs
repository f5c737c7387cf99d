using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>
/// Makes the host's limiters the shared ones that generated code calls, for as long as the host runs.
/// </summary>
/// <remarks>
/// It acts in <see cref="StartingAsync"/>, which every host runs before any hosted service's
/// <c>StartAsync</c>: ASP.NET Core's server starts listening in its <c>StartAsync</c>, so no request
/// can reach generated code before the host's limiter is in place. Resolving the limiters there also
/// connects to Redis, and a read-only warm-up loads the scripts, at startup rather than on the first
/// request. When the host stops, the limiters stop being shared (see <see cref="SharedLimiter"/>'s lease rules), so a test that builds several
/// hosts, one after another or overlapping, never leaves a disposed limiter behind.
/// </remarks>
internal sealed class SharedLimiterHostedService : IHostedLifecycleService, IDisposable
{
    private readonly IServiceProvider _provider;
    private readonly RedisCellRegistry _registry;
    private readonly ILogger _logger;

    private readonly List<(string Name, IDisposable Lease)> _leases = [];

    public SharedLimiterHostedService(IServiceProvider provider, RedisCellRegistry registry)
    {
        _provider = provider;
        _registry = registry;
        _logger = provider.GetService<ILoggerFactory>()?.CreateLogger("RedisCell.Aspects") ?? NullLogger.Instance;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var started = new List<CellLimiter>();
        lock (_leases)
        {
            if (_leases.Count > 0) return;
            foreach (string name in _registry.Names)
            {
                CellLimiter limiter = name.Length == 0
                    ? _provider.GetRequiredService<CellLimiter>()
                    : _provider.GetRequiredKeyedService<CellLimiter>(name);
                _leases.Add((name, SharedLimiter.LeaseFor(name, limiter)));
                Log.SharedLimiterConfigured(_logger, LimiterFactory.DisplayName(name), limiter is RedisCellLimiter ? "redis" : "in_process");
                started.Add(limiter);
            }
        }

        foreach (CellLimiter limiter in started)
        {
            if (limiter is RedisCellLimiter redis) await redis.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // After every hosted service stopped (the server drained its requests), before the container disposes the limiters.
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Release();
        return Task.CompletedTask;
    }

    // A host disposed without being stopped still hands the shared limiter back.
    public void Dispose() => Release();

    private void Release()
    {
        lock (_leases)
        {
            for (int i = _leases.Count - 1; i >= 0; i--)
            {
                _leases[i].Lease.Dispose();
                Log.SharedLimiterReleased(_logger, LimiterFactory.DisplayName(_leases[i].Name));
            }

            _leases.Clear();
        }
    }
}
