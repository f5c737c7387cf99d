using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;

namespace RedisCell.Aspects;

public abstract partial class CellLimiter
{
    /// <summary>
    /// What the first use of <see cref="Shared"/> creates for <c>REDIS_URL</c>: a limiter whose
    /// connection (and warm-up) happens in the background, so that no caller waits on the network
    /// past its timeout, whatever the server at that address does. Until the
    /// <see cref="RedisCellLimiter"/> is ready, each decision follows the failure policy at once;
    /// from then on every call goes to it, and it replaces this one as <see cref="Shared"/>.
    /// </summary>
    /// <remarks>
    /// A connect to a server that accepts connections and never answers takes about a second, and a
    /// warm-up on a server that hangs after the handshake a few more (see
    /// <see cref="RedisCellLimiter.Connect(string, RedisCellOptions?)"/>): done under the shared
    /// limiter's lock on the first caller, that was the first decision's latency, and every caller's
    /// that arrived meanwhile.
    /// </remarks>
    private sealed class BackgroundConnectingLimiter : CellLimiter
    {
        private readonly Task<RedisCellLimiter> _connecting;
        private readonly StoreFallback _fallback;
        private CellLimiter? _connected;
        private int _disposed;

        public BackgroundConnectingLimiter(ConfigurationOptions configuration, RedisCellOptions? options)
            : base(options)
        {
            _fallback = new StoreFallback(Options, Options.LoggerFactory.CreateLogger("RedisCell.Aspects.RedisCellLimiter"), "redis");

            // Nothing of the connect runs on the caller's thread (StackExchange.Redis starts it synchronously).
            _connecting = Task.Run(() => RedisCellLimiter.ConnectAsync(configuration, Options));
            _connecting.ContinueWith(
                static (connecting, state) => ((BackgroundConnectingLimiter)state!).OnConnected(connecting),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        /// <summary>The limiter once it is connected and warmed up (for tests).</summary>
        internal Task<RedisCellLimiter> Connecting => _connecting;

        private protected override string StoreName => "redis";

        private protected override RateLimitResult CheckCore(in RateLimitRule rule)
        {
            CellLimiter? connected = Volatile.Read(ref _connected);
            return connected is not null ? connected.CheckCore(rule) : _fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected());
        }

        private protected override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
        {
            CellLimiter? connected = Volatile.Read(ref _connected);
            return connected is not null ? connected.CheckCoreAsync(rule, cancellationToken) : new(_fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), NotConnected()));
        }

        private protected override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
        {
            CellLimiter? connected = Volatile.Read(ref _connected);
            return connected is not null ? connected.CheckManyCore(rules) : _fallback.Decide(rules, NotConnected());
        }

        private protected override ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
        {
            CellLimiter? connected = Volatile.Read(ref _connected);
            return connected is not null ? connected.CheckManyCoreAsync(rules, cancellationToken) : new(_fallback.Decide(rules.Span, NotConnected()));
        }

        private protected override void ResetCore(string key) => Ready(key).ResetCore(key);

        private protected override ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken) => Ready(key).ResetCoreAsync(key, cancellationToken);

        private protected override void ResetCore(string key, ReadOnlySpan<RateLimitRule> checkedWith) => Ready(key).ResetCore(key, checkedWith);

        private protected override ValueTask ResetCoreAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken) =>
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
            if (!connecting.IsCompletedSuccessfully)
            {
                // Only a configuration StackExchange.Redis cannot use gets here (an unreachable server
                // does not fail a connect that retries in the background): decisions keep following the
                // failure policy, whose log entries carry this error.
                return;
            }

            if (Volatile.Read(ref _disposed) != 0) return; // Dispose disposes it
            Volatile.Write(ref _connected, connecting.Result);
            PromoteShared(this, connecting.Result);
        }

        private Exception NotConnected() => _connecting.Exception?.GetBaseException() ?? new RedisConnectionException(
            ConnectionFailureType.UnableToConnect,
            CommandFlags.None,
            $"The shared limiter is still connecting to {RedisUrlVariable} in the background; decisions follow the failure policy until it is ready.");

        private CellLimiter Ready(string key) => Volatile.Read(ref _connected) ?? throw new RateLimiterUnavailableException(
            $"The rate-limit store could not reset '{key}': the shared limiter is still connecting to {RedisUrlVariable}.",
            NotConnected());
    }
}
