using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// What the first use of <see cref="SharedLimiter.Current"/> creates for the Redis the environment
/// names: a limiter that connects (and warms up) in the background. Decisions that arrive meanwhile
/// wait for it, up to the connect budget (<see cref="RedisCellOptions.ConnectTimeout"/>, or the
/// connection string's <c>connectTimeout</c>), so a short-lived process is limited from its first
/// call; past the budget the failure mode answers at once until the connection is ready.
/// </summary>
internal sealed class ConnectingLimiter : CellLimiter
{
    private readonly Task<RedisCellLimiter> _connecting;
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _settledEvent = new();
    private readonly long _waitUntil;
    private readonly TimeSpan _budget;
    private readonly StoreFallback _fallback;
    private CellLimiter? _connected;
    private string? _refused;
    private int _disposed;

    public ConnectingLimiter(ConfigurationOptions configuration, RedisCellOptions options)
    {
        RedisCellOptions checkedOptions = RedisCellOptions.Checked(options);
        ILogger logger = checkedOptions.LoggerFactory.CreateLogger("RedisCell.Aspects.RedisCellLimiter");
        var status = new StoreStatus("Redis at " + EnvironmentConnection.Describe(configuration), checkedOptions.Failure.Mode, logger);
        _fallback = new StoreFallback(checkedOptions.Failure, checkedOptions.TimeProvider, logger, StoreName, status);
        _budget = RedisConnection.ConnectBudget(configuration, checkedOptions);
        _waitUntil = Deadline.After(_budget);

        // Nothing of the connect runs on the caller's thread (StackExchange.Redis starts it synchronously).
        _connecting = Task.Run(() => RedisCellLimiter.ConnectAsync(configuration, checkedOptions, status));
        _connecting.ContinueWith(
            static (connecting, state) => ((ConnectingLimiter)state!).OnSettled(connecting),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _ = Task.Run(() => EndWaitIfRefusedAsync(configuration));
    }

    /// <summary>The limiter once it is connected and warmed up (for tests).</summary>
    internal Task<RedisCellLimiter> Connecting => _connecting;

    internal override string StoreName => "redis";

    internal override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        CellLimiter? connected = WaitForConnection();
        return connected is not null ? connected.CheckCore(rule) : _fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected());
    }

    internal override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        if (connected is not null) return connected.CheckCoreAsync(rule, cancellationToken);
        if (Deadline.HasPassed(_waitUntil)) return new(_fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected()));
        return CheckWhenConnectedAsync(new ReadOnlyMemory<RateLimitRule>([rule]), cancellationToken);
    }

    internal override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        CellLimiter? connected = WaitForConnection();
        return connected is not null ? connected.CheckManyCore(rules) : _fallback.Decide(rules, NotConnected());
    }

    internal override ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        if (connected is not null) return connected.CheckManyCoreAsync(rules, cancellationToken);
        if (Deadline.HasPassed(_waitUntil)) return new(_fallback.Decide(rules.Span, NotConnected()));
        return CheckWhenConnectedAsync(rules, cancellationToken);
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

    // The synchronous wait: on an event the connect's completion sets, never on a task, and no
    // longer than what is left of the budget.
    private CellLimiter? WaitForConnection()
    {
        CellLimiter? connected = Volatile.Read(ref _connected);
        if (connected is not null || Deadline.HasPassed(_waitUntil)) return connected;
        _settledEvent.Wait(Deadline.Remaining(_waitUntil));
        return Volatile.Read(ref _connected);
    }

    private async ValueTask<RateLimitResult> CheckWhenConnectedAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        try
        {
            await _settled.Task.WaitAsync(Deadline.Remaining(_waitUntil), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The budget ran out: the failure mode answers.
        }

        CellLimiter? connected = Volatile.Read(ref _connected);
        if (connected is null) return _fallback.Decide(rules.Span, NotConnected());
        return await (rules.Length == 1 ? connected.CheckCoreAsync(rules.Span[0], cancellationToken) : connected.CheckManyCoreAsync(rules, cancellationToken)).ConfigureAwait(false);
    }

    // StackExchange.Redis can take its whole connect timeout to report a refused connection (seen on
    // a loaded machine); a plain TCP connect learns it at once, so no decision waits for nothing.
    private async Task EndWaitIfRefusedAsync(ConfigurationOptions configuration)
    {
        using var budget = new CancellationTokenSource(_budget);
        foreach (EndPoint endpoint in configuration.EndPoints)
        {
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endpoint, budget.Token).ConfigureAwait(false);
                return; // something listens there: the connect decides
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return;
            }
        }

        _refused = $"No connection to Redis at {EnvironmentConnection.Describe(configuration)}: Connection refused";
        _settledEvent.Set();
        _settled.TrySetResult();
    }

    private void OnSettled(Task<RedisCellLimiter> connecting)
    {
        // Only a configuration StackExchange.Redis cannot use fails here (an unreachable server does
        // not fail a connect that retries in the background): decisions follow the failure mode,
        // whose log entries carry this error.
        if (connecting.IsCompletedSuccessfully && Volatile.Read(ref _disposed) == 0)
        {
            Volatile.Write(ref _connected, connecting.Result);
            SharedLimiter.Promote(this, connecting.Result);
        }

        _settledEvent.Set();
        _settled.TrySetResult();
    }

    private Exception NotConnected() => _connecting.Exception?.GetBaseException() ?? new RedisConnectionException(
        ConnectionFailureType.UnableToConnect,
        CommandFlags.None,
        Volatile.Read(ref _refused) ?? $"The shared limiter is still connecting to the Redis {SharedLimiter.RedisUrlVariable} names; it did not connect within its {_budget.TotalMilliseconds:0} ms connect budget, so decisions follow the failure mode until it does.");

    private CellLimiter Ready(string key) => Volatile.Read(ref _connected) ?? throw new RateLimiterUnavailableException(
        $"The rate-limit store could not reset '{key}': the shared limiter is still connecting to the Redis {SharedLimiter.RedisUrlVariable} names.",
        NotConnected());
}
