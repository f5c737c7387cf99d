using System;
using RedisCell.Aspects.Redis;
using StackExchange.Redis;

namespace RedisCell.Aspects.DependencyInjection;

/// <summary>
/// Where a limiter registered with <c>services.AddRedisCell(...)</c> keeps its state. Bound from the
/// same configuration section as its <see cref="RedisCellOptions"/> (<c>RedisCell</c>, or
/// <c>RedisCell:Limiters:{name}</c> for a named limiter).
/// </summary>
/// <remarks>
/// The store is chosen in this order, and startup fails with a message saying so when none applies:
/// <list type="number">
/// <item><see cref="InProcess"/>: the limits are kept in this process (each instance of the app allows the full limit).</item>
/// <item><see cref="ConnectionFactory"/>: a connection the application provides.</item>
/// <item><see cref="Connection"/>: the limiter connects on its own and closes the connection when the container is disposed.</item>
/// <item>An <see cref="IConnectionMultiplexer"/> registered in the container: for a named limiter, one registered
/// with the limiter's name as its service key first, then the unkeyed one.</item>
/// <item>The <c>REDIS_URL</c> environment variable, as <see cref="SharedLimiter.Current"/> reads it.</item>
/// </list>
/// </remarks>
public sealed class RedisCellConnectionOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string (<c>host:6379,password=…</c>) or a
    /// <c>redis://</c> / <c>rediss://</c> URL. Configuration key: <c>RedisCell:Connection</c>.
    /// </summary>
    public string? Connection { get; set; }

    /// <summary>
    /// Keeps the limits in this process instead of Redis (tests, a single-instance tool, local
    /// development). Configuration key: <c>RedisCell:InProcess</c>.
    /// </summary>
    public bool InProcess { get; set; }

    /// <summary>
    /// Creates (or finds) the connection to use; the application keeps owning it. Takes precedence
    /// over <see cref="Connection"/> and over a registered <see cref="IConnectionMultiplexer"/>.
    /// </summary>
    public Func<IServiceProvider, IConnectionMultiplexer>? ConnectionFactory { get; set; }
}
