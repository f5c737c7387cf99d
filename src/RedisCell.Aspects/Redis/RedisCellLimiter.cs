using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.DenyCache;
using RedisCell.Aspects.Resilience;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// A <see cref="CellLimiter"/> whose state lives in Redis, Garnet or a Redis Cluster, shared by
/// every process that uses the same keys. Decisions are atomic Lua scripts on the server clock
/// (GCRA state compatible with redis-cell's <c>CL.THROTTLE</c>), or redis-cell's own module where
/// it is loaded (<see cref="UsesRedisCellModule"/>).
/// </summary>
/// <remarks>
/// No decision waits longer than <see cref="FailureOptions.Timeout"/>: a store that cannot decide
/// in time hands it to the failure policy, and after repeated failures a circuit breaker answers at
/// once (<c>docs/design/failure-handling.md</c>). Asynchronous decisions that arrive together share
/// one script (<see cref="RedisCellOptions.MaxDecisionsPerBatch"/>), and refusals Redis already gave
/// are repeated in process (<see cref="DenyCacheOptions"/>). The parts and how a call flows through
/// them: <c>docs/architecture.md</c>.
/// </remarks>
public sealed class RedisCellLimiter : CellLimiter
{
    private readonly RedisConnection _connection;
    private readonly CircuitBreaker _breaker;
    private readonly ScriptLoader _loader;
    private readonly ScriptRunner _runner;
    private readonly EngineProbe _engine;
    private readonly CallBuilder _calls;
    private readonly RedisKeys _keys;
    private readonly DecisionBatcher _batcher;
    private readonly StoreFallback _fallback;
    private readonly LocalDenyCache? _denials;
    private readonly WarmUp _warmUp;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a limiter on an existing connection, which the caller keeps owning.</summary>
    /// <remarks>
    /// Call <see cref="WarmUpAsync"/> before the first decisions. Recovery after an outage follows
    /// the connection's own reconnect policy; for a restarted server to be used again within a
    /// second, give it <c>ReconnectRetryPolicy = new LinearRetry(500)</c> and
    /// <c>BacklogPolicy = BacklogPolicy.FailFast</c>, as <see cref="ConnectAsync(ConfigurationOptions, RedisCellOptions?)"/> does.
    /// </remarks>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions? options = null)
        : this(redis ?? throw new ArgumentNullException(nameof(redis)), RedisCellOptions.Checked(options), ownsConnection: false, status: null)
    {
    }

    private RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions options, bool ownsConnection, StoreStatus? status)
    {
        Options = options;
        ILogger logger = options.LoggerFactory.CreateLogger("RedisCell.Aspects.RedisCellLimiter");
        FailureOptions failure = options.Failure;
        _timeout = failure.Timeout;
        _connection = new RedisConnection(redis, options, logger, ownsConnection);
        status ??= new StoreStatus(_connection.Description, failure.Mode, logger);
        _breaker = new CircuitBreaker(failure.BreakAfterFailures, failure.BreakDuration, logger, status);
        _loader = new ScriptLoader(logger);
        _runner = new ScriptRunner(_connection, _breaker, _timeout);
        _engine = new EngineProbe(options, logger);
        _calls = new CallBuilder(options, _engine);
        _keys = new RedisKeys(_connection);
        _batcher = new DecisionBatcher(options.MaxDecisionsPerBatch, _timeout, _connection, _runner, _breaker, _calls, _engine);
        _fallback = new StoreFallback(failure, options.TimeProvider, logger, StoreName, status);
        _denials = LocalDenyCache.Create(options);
        _warmUp = new WarmUp(_connection, _loader, _engine, logger);
    }

    /// <summary>The options this limiter was created with (a copy: changing it has no effect).</summary>
    public RedisCellOptions Options { get; }

    /// <summary>The connection this limiter uses.</summary>
    public IConnectionMultiplexer Connection => _connection.Multiplexer;

    /// <summary>
    /// <see langword="true"/> while GCRA decisions are made by redis-cell's <c>CL.THROTTLE</c>:
    /// <see cref="WarmUpAsync"/> found the module loaded on every primary server,
    /// <see cref="RedisCellOptions.RedisCellModule"/> allows it and the clock is the server's. It
    /// turns off by itself if the module is unloaded.
    /// </summary>
    public bool UsesRedisCellModule => _engine.Decider != GcraDecider.Script;

    internal override string StoreName => "redis";

    /// <summary>How many calls the local deny cache refused without asking Redis (for tests and the load harness).</summary>
    internal long LocalRefusals => _denials?.LocalRefusals ?? 0;

    /// <summary>How many decisions went to the server inside a batch script (for tests and the load harness).</summary>
    internal long BatchedDecisions => _batcher.BatchedDecisions;

    /// <summary>How many batch scripts were sent (for the load harness).</summary>
    internal long Batches => _batcher.Batches;

    /// <summary>
    /// Connects to <paramref name="configuration"/> (a StackExchange.Redis configuration string or a
    /// <c>redis://</c> URL) and creates a limiter that owns the connection, warmed up.
    /// </summary>
    /// <remarks>
    /// The connection is tuned for decisions: its timeouts are <see cref="FailureOptions.Timeout"/>,
    /// commands fail at once while it is disconnected, and it retries reconnecting every 400 ms. A
    /// server that cannot be reached does not make it throw: it keeps retrying in the background,
    /// decisions follow the failure mode meanwhile, and the log (or, with no logger, one line on
    /// stderr) says so. How long such a server delays it: <c>docs/reliability.md</c>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is not a configuration string or URL, or an option is out of range.</exception>
    /// <exception cref="RedisCellException">The server refused the credentials: it would never accept them.</exception>
    public static async Task<RedisCellLimiter> ConnectAsync(string configuration, RedisCellOptions? options = null) =>
        await ConnectAsync(RedisConnectionString.Parse(configuration, nameof(configuration)), options).ConfigureAwait(false);

    /// <summary>
    /// Connects with <paramref name="configuration"/> (copied, then tuned for decisions) and creates
    /// a limiter that owns the connection, warmed up. Use it when the connection needs more than a
    /// string can say, such as certificate callbacks.
    /// </summary>
    /// <inheritdoc cref="ConnectAsync(string, RedisCellOptions?)" path="/remarks"/>
    public static Task<RedisCellLimiter> ConnectAsync(ConfigurationOptions configuration, RedisCellOptions? options = null) =>
        ConnectAsync(configuration, options, status: null);

    /// <inheritdoc cref="ConnectAsync(ConfigurationOptions, RedisCellOptions?)"/>
    /// <param name="configuration">The connection to make.</param>
    /// <param name="options">The limiter's options.</param>
    /// <param name="status">Who tells a person when the store is down: shared with a limiter that stood for this one while it connected.</param>
    internal static async Task<RedisCellLimiter> ConnectAsync(ConfigurationOptions configuration, RedisCellOptions? options, StoreStatus? status)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        RedisCellOptions checkedOptions = RedisCellOptions.Checked(options);
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.ForDecisions(configuration, checkedOptions)).ConfigureAwait(false);
        var limiter = new RedisCellLimiter(redis, checkedOptions, ownsConnection: true, status);
        try
        {
            await limiter._connection.ExplainNotConnectedAsync().ConfigureAwait(false);
        }
        catch
        {
            await limiter.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await limiter.WarmUpAsync().ConfigureAwait(false);
        return limiter;
    }

    /// <summary>The synchronous <see cref="ConnectAsync(string, RedisCellOptions?)"/>, for a container's factory: only synchronous calls, no wait on a task.</summary>
    internal static RedisCellLimiter Connect(string configuration, RedisCellOptions? options = null) =>
        Connect(RedisConnectionString.Parse(configuration, nameof(configuration)), options);

    /// <inheritdoc cref="Connect(string, RedisCellOptions?)"/>
    internal static RedisCellLimiter Connect(ConfigurationOptions configuration, RedisCellOptions? options = null)
    {
        RedisCellOptions checkedOptions = RedisCellOptions.Checked(options);
        ConnectionMultiplexer redis = ConnectionMultiplexer.Connect(RedisConnection.ForDecisions(configuration, checkedOptions));
        var limiter = new RedisCellLimiter(redis, checkedOptions, ownsConnection: true, status: null);
        try
        {
            limiter._connection.ExplainNotConnected();
        }
        catch
        {
            limiter.Dispose();
            throw;
        }

        limiter.WarmUp();
        return limiter;
    }

    /// <summary>
    /// Prepares the limiter for its first decisions: loads its scripts on every primary server,
    /// looks for redis-cell's module there, then makes one read-only decision through each script,
    /// so that compiling a script (on the server) or a decision path (here) is not paid out of the
    /// first calls' timeout.
    /// </summary>
    /// <remarks>
    /// <see cref="ConnectAsync(string, RedisCellOptions?)"/> and the host that <c>AddRedisCell</c>
    /// configures call it; call it yourself after creating a limiter on a connection you pass in. It
    /// never throws for an unreachable or failing server and writes nothing (the decisions read
    /// <c>rediscell:warm-up</c> under the key prefix with quantity 0, and are not recorded in metrics
    /// or traces). A server that hangs adds about two seconds and a few timeouts to a startup.
    /// </remarks>
    /// <param name="cancellationToken">Stops the warm-up.</param>
    /// <returns><see langword="true"/> when every primary server loaded the scripts and the decisions were answered.</returns>
    public Task<bool> WarmUpAsync(CancellationToken cancellationToken = default) => _warmUp.RunAsync(this, cancellationToken);

    /// <summary>The synchronous <see cref="WarmUpAsync"/>: only synchronous calls, no wait on a task.</summary>
    internal bool WarmUp() => _warmUp.Run(this);

    internal override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        RedisKeys.ThrowIfNotUtf16(rule.Key);
        long sentAt = 0;
        LocalDenyCache? denials = _engine.IsDirect(rule) ? null : _denials;
        if (denials is not null)
        {
            sentAt = denials.Timestamp();
            if (denials.TryRefuse(rule, sentAt, out RateLimitResult refused)) return refused;
        }

        ScriptCall call = _calls.Single(rule);
        if (!_runner.TryRun(call, out RedisResult? reply, out Exception? failure))
        {
            // CL.THROTTLE sent on its own found no module: the script decides, on the same state.
            if (failure is not ModuleCommandGoneException) return FallBack(rule, failure);
            _engine.ModuleGone();
            call = _calls.Single(rule);
            if (!_runner.TryRun(call, out reply, out failure)) return FallBack(rule, failure);
        }

        RateLimitResult result = Read(call, rule, reply);
        if (!call.IsModuleCommand) denials?.Record(rule, sentAt, result);
        return result;
    }

    internal override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        RedisKeys.ThrowIfNotUtf16(rule.Key);
        long deadline = Deadline.After(_timeout);
        if (_denials is null || _engine.IsDirect(rule)) return DecideAsync(rule, 0, deadline, cancellationToken);
        long sentAt = _denials.Timestamp();
        if (_denials.TryRefuse(rule, sentAt, out RateLimitResult refused, out LocalDenyCache.Known? nearLimit)) return new(refused);
        return nearLimit is null ? DecideAsync(rule, sentAt, deadline, cancellationToken) : DecideNearLimitAsync(_denials, rule, nearLimit, sentAt, deadline, cancellationToken);
    }

    internal override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        ScriptCall call = _calls.Many(rules, _keys.For(rules));
        return _runner.TryRun(call, out RedisResult? reply, out Exception? failure)
            ? ReplyReader.ReadMany(rules, reply)
            : _fallback.Decide(rules, failure);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal override async ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        ScriptCall call = _calls.Many(rules.Span, _keys.For(rules.Span));
        Outcome outcome = await _runner.TryRunAsync(call, Deadline.After(_timeout), cancellationToken).ConfigureAwait(false);
        return outcome.Reply is not null ? ReplyReader.ReadMany(rules.Span, outcome.Reply) : _fallback.Decide(rules.Span, outcome.Failure!);
    }

    /// <remarks>Deletes exactly one key (no pattern), and what the local fallback counted for it.</remarks>
    internal override void ResetCore(string key) => DeleteState(key, key);

    internal override ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken) => DeleteStateAsync(key, key, cancellationToken);

    internal override void ResetCore(string key, ReadOnlySpan<RateLimitRule> checkedWith) => DeleteState(key, _keys.StoredKey(key, checkedWith));

    internal override ValueTask ResetCoreAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken) =>
        DeleteStateAsync(key, _keys.StoredKey(key, checkedWith.Span), cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _connection.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore() => _connection.DisposeAsync();

    // A key that was at its limit: one call asks Redis, the calls that arrive meanwhile decide again
    // from its answer, a few times at most before asking Redis themselves. Waiting and asking share
    // the call's one deadline (docs/design/deny-cache.md).
    private async ValueTask<RateLimitResult> DecideNearLimitAsync(LocalDenyCache denials, RateLimitRule rule, LocalDenyCache.Known nearLimit, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        const int MaxWaits = 8;
        for (int waits = 0; ; waits++)
        {
            var asking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task? other = nearLimit.JoinOrLead(asking.Task);
            if (other is null)
            {
                try
                {
                    return await DecideAsync(rule, sentAt, deadline, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    nearLimit.EndLead(asking.Task);
                    asking.SetResult();
                }
            }

            try
            {
                await other.WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The whole timeout went on waiting for slower calls.
            }

            sentAt = denials.Timestamp();
            if (denials.TryRefuse(rule, sentAt, out RateLimitResult refused, out LocalDenyCache.Known? stillNear)) return refused;
            if (Deadline.HasPassed(deadline)) return FallBack(rule, new TimeoutException($"The decision waited its whole timeout ({_timeout.TotalMilliseconds:0} ms) for other calls asking about the same key."));
            if (stillNear is null || waits >= MaxWaits) return await DecideAsync(rule, sentAt, deadline, cancellationToken).ConfigureAwait(false);
            nearLimit = stillNear;
        }
    }

    // While the circuit is open a decision goes alone: it fails fast, or it is the one probe. The
    // bare CL.THROTTLE is not batched: concurrent commands share the connection's pipeline anyway.
    private ValueTask<RateLimitResult> DecideAsync(RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        if (!_batcher.Enabled || _breaker.IsOpen || _engine.IsDirect(rule)) return DecideAloneAsync(rule, sentAt, deadline, cancellationToken);
        DecisionLane lane = _batcher.LaneFor(rule.Key);

        // Nothing queued and room at the server: this decision goes alone, as without batching.
        if (lane.IsEmpty && lane.TryAcquireSlot()) return DecideInLaneAsync(lane, rule, sentAt, deadline, cancellationToken);
        return AwaitQueuedAsync(_batcher.Enqueue(lane, rule, deadline, cancellationToken), sentAt, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> DecideInLaneAsync(DecisionLane lane, RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        try
        {
            return await DecideAloneAsync(rule, sentAt, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _batcher.Release(lane);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> AwaitQueuedAsync(PendingDecision pending, long sentAt, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled) await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        else await pending.Task.ConfigureAwait(false);
        RateLimitRule rule = pending.Rule;
        if (pending.Failure is not null)
        {
            if (pending.Throw) throw pending.Failure;
            return FallBack(rule, pending.Failure);
        }

        RateLimitResult result = ReplyReader.ToResult(rule, pending.State, pending.RetryAfter, pending.ResetAfter);
        _denials?.Record(rule, sentAt, result);
        return result;
    }

    // One pooled state machine per call in flight: nothing is allocated for it in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> DecideAloneAsync(RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        ScriptCall call = _calls.Single(rule);
        Outcome outcome = await _runner.TryRunAsync(call, deadline, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is ModuleCommandGoneException)
        {
            _engine.ModuleGone();
            call = _calls.Single(rule);
            outcome = await _runner.TryRunAsync(call, deadline, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Reply is null) return FallBack(rule, outcome.Failure!);
        RateLimitResult result = Read(call, rule, outcome.Reply);
        if (!call.IsModuleCommand) _denials?.Record(rule, sentAt, result);
        return result;
    }

    private RateLimitResult Read(in ScriptCall call, in RateLimitRule rule, RedisResult reply)
    {
        RateLimitResult result = ReplyReader.ReadSingle(call, rule, reply, out bool moduleGone);
        if (moduleGone) _engine.ModuleGone();
        return result;
    }

    private void DeleteState(string key, string storedKey)
    {
        RedisKeys.ThrowIfNotUtf16(key);
        _fallback.Reset(key);
        _denials?.Forget(key);
        try
        {
            IDatabase database = _connection.SyncDatabase();
            _connection.ThrowIfDisconnected(database);
            database.KeyDelete(storedKey);
        }
        catch (Exception ex) when (StoreErrors.IsUnavailable(ex))
        {
            throw ResetUnavailable(key, ex);
        }
    }

    private async ValueTask DeleteStateAsync(string key, string storedKey, CancellationToken cancellationToken)
    {
        RedisKeys.ThrowIfNotUtf16(key);
        _fallback.Reset(key);
        _denials?.Forget(key);
        Task<bool>? deletion = null;
        try
        {
            _connection.ThrowIfDisconnected(_connection.Database);
            deletion = _connection.Database.KeyDeleteAsync(storedKey);
            await deletion.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreErrors.IsUnavailable(ex))
        {
            StoreErrors.Observe(deletion);
            throw ResetUnavailable(key, ex);
        }
    }

    private RateLimitResult FallBack(in RateLimitRule rule, Exception failure) => _fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), failure);

    private RateLimiterUnavailableException ResetUnavailable(string key, Exception error) =>
        new($"The rate-limit store could not reset '{key}' ({_fallback.Describe(error)}).", error);
}
