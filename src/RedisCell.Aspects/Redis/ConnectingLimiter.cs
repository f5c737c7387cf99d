using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// What the first use of <see cref="SharedLimiter.Current"/> creates for <c>REDIS_URL</c>: a limiter
/// whose connection and warm-up happen in the background, so that no caller waits on the network
/// past its timeout whatever the server at that address does. Until the
/// <see cref="RedisCellLimiter"/> is ready, each decision follows the failure policy at once; from
/// then on every call goes to it, and it takes this one's place in the registry.
/// </summary>
internal sealed class ConnectingLimiter : CellLimiter
{
    private readonly Task<RedisCellLimiter> _connecting;
    private readonly StoreFallback _fallback;
    private CellLimiter? _connected;
    private int _disposed;

    public ConnectingLimiter(ConfigurationOptions configuration, RedisCellOptions options)
    {
        RedisCellOptions checkedOptions = RedisCellOptions.Checked(options);
        ILogger logger = checkedOptions.LoggerFactory.CreateLogger("RedisCell.Aspects.RedisCellLimiter");
        _fallback = new StoreFallback(checkedOptions.Failure, checkedOptions.TimeProvider, logger, StoreName);

        // Nothing of the connect runs on the caller's thread (StackExchange.Redis starts it synchronously).
        _connecting = Task.Run(() => RedisCellLimiter.ConnectAsync(configuration, checkedOptions));
        _connecting.ContinueWith(
            static (connecting, state) => ((ConnectingLimiter)state!).OnConnected(connecting),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The limiter once it is connected and warmed up (for tests).</summary>
    internal Task<RedisCellLimiter> Connecting => _connecting;

    internal override string StoreName => "redis";

    internal override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        return connected is not null ? connected.CheckCore(rule) : _fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected());
    }

    internal override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        return connected is not null ? connected.CheckCoreAsync(rule, cancellationToken) : new(_fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected()));
    }

    internal override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        return connected is not null ? connected.CheckManyCore(rules) : _fallback.Decide(rules, NotConnected());
    }

    internal override ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        return connected is not null ? connected.CheckManyCoreAsync(rules, cancellationToken) : new(_fallback.Decide(rules.Span, NotConnected()));
    }

    internal override void ResetCore(string key) => Ready(key).ResetCore(key);

    internal override ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken) => Ready(key).ResetCoreAsync(key, cancellationToken);

    internal override void ResetCore(string key, ReadOnlySpan<RateLimitRule> checkedWith) => Ready(key).ResetCore(key, checkedWith);

    internal override ValueTask ResetCoreAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken) =>
        Ready(key).ResetCoreAsync(key, checkedWith, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;

        // A limiter still connecting is disposed as soon as it is ready: nobody else will.
        if (_connecting.IsCompletedSuccessfully) _connecting.Result.Dispose();
        else _ = _connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnConnected(Task<RedisCellLimiter> connecting)
    {
        // Only a configuration StackExchange.Redis cannot use fails here (an unreachable server does
        // not fail a connect that retries in the background): decisions keep following the failure
        // policy, whose log entries carry this error.
        if (!connecting.IsCompletedSuccessfully) return;
        if (Volatile.Read(ref _disposed) != 0) return; // Dispose disposes it
        Volatile.Write(ref _connected, connecting.Result);
        SharedLimiter.Promote(this, connecting.Result);
    }

    private Exception NotConnected() => _connecting.Exception?.GetBaseException() ?? new RedisConnectionException(
        ConnectionFailureType.UnableToConnect,
        CommandFlags.None,
        $"The shared limiter is still connecting to {SharedLimiter.RedisUrlVariable} in the background; decisions follow the failure policy until it is ready.");

    private CellLimiter Ready(string key) => Volatile.Read(ref _connected) ?? throw new RateLimiterUnavailableException(
        $"The rate-limit store could not reset '{key}': the shared limiter is still connecting to {SharedLimiter.RedisUrlVariable}.",
        NotConnected());
}
