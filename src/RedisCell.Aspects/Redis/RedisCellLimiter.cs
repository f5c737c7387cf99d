using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.DenyCache;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace RedisCell.Aspects;

/// <summary>
/// A <see cref="CellLimiter"/> whose state lives in Redis, Garnet or a Redis Cluster, shared by
/// every process that uses the same keys. Decisions are atomic Lua scripts on the server clock,
/// built from the functions of <c>cl_throttle.lua</c> for GCRA (state compatible with redis-cell's
/// <c>CL.THROTTLE</c>) and <c>fixed_window.lua</c> for fixed windows; asynchronous decisions that
/// arrive together share one script (see <see cref="RedisCellOptions.MaxDecisionsPerBatch"/>).
/// Where redis-cell's module is loaded, GCRA decisions are made by its <c>CL.THROTTLE</c> (see
/// <see cref="RedisCellOptions.RedisCellModule"/> and <see cref="UsesRedisCellModule"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>When the store fails.</b> No decision waits longer than <see cref="RedisCellOptions.Timeout"/>.
/// A decision that finds the server has lost the script (<c>NOSCRIPT</c>) resends it within what is
/// left of its timeout; a synchronous one, which cannot bound a resend by less than the connection's
/// <c>SyncTimeout</c>, follows the failure policy instead and the script is loaded again in the
/// background for the decisions after it.
/// A decision the store cannot make in time (no connection, a timeout, a server that is loading,
/// busy, out of memory or failing over) follows the failure policy: the policy's own
/// <see cref="RateLimitPolicy.FailurePolicy"/>, else <see cref="RedisCellOptions.FailurePolicy"/>.
/// After <see cref="RedisCellOptions.BreakAfterFailures"/> such failures in a row a circuit breaker
/// opens: calls follow the failure policy at once, and one call per
/// <see cref="RedisCellOptions.BreakDuration"/> probes the store until it answers. Errors that are
/// not about availability (a key holding something else, a server that refuses <c>TIME</c>) are
/// thrown as <see cref="RedisCellException"/> whatever the policy: allowing every call would hide them.
/// </para>
/// <para>
/// <b>How the timeout is kept.</b> Asynchronous decisions stop waiting at the timeout (the command
/// may still run on the server; a late answer is dropped). Synchronous decisions use
/// StackExchange.Redis's synchronous path on a connection whose <c>SyncTimeout</c> is the timeout,
/// and wait on a task only in the one case below. A limiter created with <see cref="Connect(string, RedisCellOptions?)"/> owns
/// such a connection (it also fails fast while disconnected and retries reconnecting every 400 ms). On a connection you pass in whose <c>SyncTimeout</c> is longer, the first synchronous
/// decision opens a dedicated connection with the same configuration string and the timeout as
/// <c>SyncTimeout</c> (waiting at most the timeout for it); async-only applications never open it.
/// </para>
/// <para>
/// <b>Redis Cluster.</b> Every script touches one hash slot. A multi-rule check whose keys already
/// share a slot (same hash tag, or a single server, where no slot is computed) uses them as they
/// are. Otherwise every key of that call is stored under a hash tag derived from the call's
/// policies, <c>{rc-multi:&lt;16 hex digits&gt;}</c> followed by the key: a key such as
/// <c>global</c> stays one counter for every caller of that combination of policies (a tag derived
/// from the key values would split it per user). Such a key is not the key the same rule uses on
/// its own, so <see cref="CellLimiter.Reset(string)"/> does not reset it: use
/// <see cref="CellLimiter.Reset(string, ReadOnlySpan{RateLimitRule})"/> with the call's rules. To
/// share state between them, give the templates a common hash tag
/// (<c>{user:{userId}}:minute</c> and <c>{user:{userId}}:tokens</c>), which also spreads the load
/// across slots.
/// </para>
/// </remarks>
public sealed partial class RedisCellLimiter : CellLimiter
{
    private const string MultiTagPrefix = "{rc-multi:";

    // What the scripts' clock() replies when the server will not run TIME inside a script.
    private const string ClockRefusedMarker = "TIME refused";

    // Owned connections retry reconnecting every 400 ms, checked every 200 ms: a restarted server
    // is used again within about 0.6 s. A TCP connect gets the same 400 ms (StackExchange.Redis
    // abandons a connect attempt once the retry interval has passed); a server that far away could
    // not answer within a rate limiter's timeout anyway.
    private const int ReconnectIntervalMs = 400;

    // The connect timeout of an owned connection is the decision timeout, but never below this:
    // a TLS handshake to a healthy server can take longer than a 100 ms decision budget.
    private const int ConnectTimeoutFloorMs = 1000;
    private static readonly TimeSpan s_heartbeat = TimeSpan.FromMilliseconds(200);

    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _database;
    private readonly bool _ownsConnection;
    private readonly TimeSpan _timeout;
    private readonly CircuitBreaker _breaker;
    private readonly StoreFallback _fallback;
    private readonly ILogger _logger;
    private readonly LocalDenyCache? _denials;
    private readonly ArgumentCache _arguments = new();
    private readonly ArgumentCache _moduleArguments = new();
    private readonly ScriptReloader _scriptReloader = new();
    private readonly object _syncLock = new();
    private IDatabase? _syncDatabase;
    private Task<ConnectionMultiplexer>? _syncConnecting;
    private bool _disposed;

    /// <summary>Creates a limiter on an existing connection, which the caller keeps owning.</summary>
    /// <remarks>
    /// Recovery after an outage follows the connection's own reconnect policy; for a restarted
    /// server to be used again within a second, give it <c>ReconnectRetryPolicy = new LinearRetry(500)</c>
    /// and <c>BacklogPolicy = BacklogPolicy.FailFast</c> (what <see cref="Connect(ConfigurationOptions, RedisCellOptions?)"/> sets).
    /// </remarks>
    public RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions? options = null)
        : this(redis, options, ownsConnection: false)
    {
    }

    private RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions? options, bool ownsConnection)
        : base(options)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _database = Prefixed(redis);
        _ownsConnection = ownsConnection;
        _timeout = Options.Timeout;
        _logger = Options.LoggerFactory.CreateLogger("RedisCell.Aspects.RedisCellLimiter");
        _breaker = new CircuitBreaker(Options.BreakAfterFailures, Options.BreakDuration);
        _fallback = new StoreFallback(Options, _logger, StoreName);
        _maxBatch = Options.MaxDecisionsPerBatch;
        _timeoutTicks = (long)(_timeout.TotalSeconds * Stopwatch.Frequency);
        if (Options.LocalDenyCacheCapacity > 0)
        {
            // Remembered limits age with the clock the decisions were made on.
            bool clientClock = Options.Clock == ClockSource.Client;
            _denials = new LocalDenyCache(Options.LocalDenyCacheCapacity, clientClock ? Options.TimeProvider : TimeProvider.System, rememberWindows: !clientClock);
        }

        if (ownsConnection || redis.TimeoutMilliseconds <= TimeoutMilliseconds(Options)) _syncDatabase = _database;
    }

    private protected override string StoreName => "redis";

    /// <summary>The connection this limiter uses.</summary>
    public IConnectionMultiplexer Connection => _redis;

    /// <summary>
    /// Connects to <paramref name="configuration"/> (a StackExchange.Redis configuration string or a
    /// <c>redis://</c> URL) and creates a limiter that owns the connection.
    /// </summary>
    /// <remarks>
    /// The connection is tuned for decisions: its sync and async timeouts are
    /// <see cref="RedisCellOptions.Timeout"/>, commands fail at once while it is disconnected
    /// instead of queueing, and it retries reconnecting every 400 ms. It does not fail when the
    /// server is down at startup; it keeps retrying in the background, and calls meanwhile follow
    /// the failure policy. The first connect is one attempt of the larger of the timeout and one
    /// second (or of the configuration's own <c>connectTimeout</c>, when it sets one), so a server
    /// that accepts connections but never answers delays the caller by that, not by
    /// StackExchange.Redis's 3 x 5 s. Before it returns, the limiter is warmed up (see
    /// <see cref="WarmUpAsync"/>): when a server answers the handshake and then hangs, that adds
    /// about two seconds plus one timeout per primary server and two more for the warm-up decisions.
    /// </remarks>
    public static RedisCellLimiter Connect(string configuration, RedisCellOptions? options = null) =>
        Connect(RedisConnectionString.Parse(configuration), options);

    /// <inheritdoc cref="Connect(string, RedisCellOptions?)"/>
    public static async Task<RedisCellLimiter> ConnectAsync(string configuration, RedisCellOptions? options = null) =>
        await ConnectAsync(RedisConnectionString.Parse(configuration), options).ConfigureAwait(false);

    /// <summary>
    /// Connects with <paramref name="configuration"/> (copied, then tuned for decisions; see
    /// <see cref="Connect(string, RedisCellOptions?)"/>) and creates a limiter that owns the connection.
    /// Use it when the connection needs more than a string can say, such as certificate callbacks.
    /// </summary>
    public static RedisCellLimiter Connect(ConfigurationOptions configuration, RedisCellOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        RedisCellOptions checkedOptions = Checked(options);
        ConnectionMultiplexer redis = ConnectionMultiplexer.Connect(ForDecisions(configuration, checkedOptions));
        var limiter = new RedisCellLimiter(redis, checkedOptions, ownsConnection: true);
        limiter.WarmUp();
        return limiter;
    }

    /// <inheritdoc cref="Connect(ConfigurationOptions, RedisCellOptions?)"/>
    public static async Task<RedisCellLimiter> ConnectAsync(ConfigurationOptions configuration, RedisCellOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        RedisCellOptions checkedOptions = Checked(options);
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(ForDecisions(configuration, checkedOptions)).ConfigureAwait(false);
        var limiter = new RedisCellLimiter(redis, checkedOptions, ownsConnection: true);
        await limiter.WarmUpAsync().ConfigureAwait(false);
        return limiter;
    }

    /// <summary>How many calls the local deny cache refused without asking Redis (for tests and the load harness).</summary>
    internal long LocalRefusals => _denials?.LocalRefusals ?? 0;

    private protected override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        ThrowIfNotUtf16(rule.Key);
        long sentAt = 0;
        LocalDenyCache? denials = IsDirect(rule) ? null : _denials;
        if (denials is not null)
        {
            sentAt = denials.Timestamp();
            if (denials.TryRefuse(rule, sentAt, out RateLimitResult refused)) return refused;
        }

        ScriptCall call = SingleCall(rule);
        if (!TryEvaluate(call, out RedisResult? reply, out Exception? failure))
        {
            // CL.THROTTLE sent on its own found no module: the script decides, on the same state.
            if (failure is not ModuleCommandGoneException) return FallBack(rule, failure);
            call = SingleCall(rule);
            if (!TryEvaluate(call, out reply, out failure)) return FallBack(rule, failure);
        }

        RateLimitResult result = ParseSingle(call, rule, reply);
        if (!call.IsModuleCommand) denials?.Record(rule, sentAt, result);
        return result;
    }

    private protected override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        ThrowIfNotUtf16(rule.Key);
        long deadline = Deadline();
        if (_denials is null || IsDirect(rule)) return DecideAsync(rule, 0, deadline, cancellationToken);
        long sentAt = _denials.Timestamp();
        if (_denials.TryRefuse(rule, sentAt, out RateLimitResult refused, out LocalDenyCache.Known? nearLimit)) return new(refused);
        return nearLimit is null ? DecideAsync(rule, sentAt, deadline, cancellationToken) : DecideNearLimitAsync(_denials, rule, nearLimit, sentAt, deadline, cancellationToken);
    }

    // A key that was at its limit: one call asks Redis, the calls that arrive meanwhile decide again
    // from its answer (see LocalDenyCache), a few times at most before asking Redis themselves.
    // Waiting and asking share the call's one deadline: a waiter that followed slow askers has only
    // what is left of its timeout, and once that is gone the failure policy answers.
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
                await other.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The whole timeout went on waiting for slower calls.
            }

            sentAt = denials.Timestamp();
            if (denials.TryRefuse(rule, sentAt, out RateLimitResult refused, out LocalDenyCache.Known? stillNear)) return refused;
            if (Stopwatch.GetTimestamp() >= deadline) return FallBack(rule, new TimeoutException($"The decision waited its whole timeout ({_timeout.TotalMilliseconds:0} ms) for other calls asking about the same key."));
            if (stillNear is null || waits >= MaxWaits) return await DecideAsync(rule, sentAt, deadline, cancellationToken).ConfigureAwait(false);
            nearLimit = stillNear;
        }
    }

    // While the circuit is open a decision goes alone: it fails fast, or it is the one probe.
    // The CL.THROTTLE command on its own is not batched: concurrent commands share the connection's
    // pipeline anyway, and each costs the server about what a SET does.
    private ValueTask<RateLimitResult> DecideAsync(RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken) =>
        Batching && !_breaker.IsOpen && !IsDirect(rule) ? DecideBatchedAsync(rule, sentAt, deadline, cancellationToken) : DecideAloneAsync(rule, sentAt, deadline, cancellationToken);

    // One pooled state machine per call in flight: nothing is allocated for it in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> DecideAloneAsync(RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        ScriptCall call = SingleCall(rule);
        Outcome outcome = await TryEvaluateAsync(call, deadline, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is ModuleCommandGoneException)
        {
            call = SingleCall(rule);
            outcome = await TryEvaluateAsync(call, deadline, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Reply is null) return FallBack(rule, outcome.Failure!);
        RateLimitResult result = ParseSingle(call, rule, outcome.Reply);
        if (!call.IsModuleCommand) _denials?.Record(rule, sentAt, result);
        return result;
    }

    private protected override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        ScriptCall call = ScriptCall.ForMany(rules, KeysFor(rules), ClientNow());
        return TryEvaluate(call, out RedisResult? reply, out Exception? failure)
            ? ParseMany(rules, reply)
            : _fallback.Decide(rules, failure);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private protected override async ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        ScriptCall call = ScriptCall.ForMany(rules.Span, KeysFor(rules.Span), ClientNow());
        Outcome outcome = await TryEvaluateAsync(call, Deadline(), cancellationToken).ConfigureAwait(false);
        return outcome.Reply is not null ? ParseMany(rules.Span, outcome.Reply) : _fallback.Decide(rules.Span, outcome.Failure!);
    }

    /// <remarks>Deletes exactly one key (no pattern), and what the local fallback counted for it.</remarks>
    private protected override void ResetCore(string key) => DeleteState(key, key);

    private protected override ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken) => DeleteStateAsync(key, key, cancellationToken);

    private protected override void ResetCore(string key, ReadOnlySpan<RateLimitRule> checkedWith) => DeleteState(key, StoredKey(key, checkedWith));

    private protected override ValueTask ResetCoreAsync(string key, ReadOnlyMemory<RateLimitRule> checkedWith, CancellationToken cancellationToken) =>
        DeleteStateAsync(key, StoredKey(key, checkedWith.Span), cancellationToken);

    // Where checks of these rules together keep key's state: the key itself, or under the
    // combination's hash tag (KeysFor). The fallback twin and the deny cache use the key as written.
    private string StoredKey(string key, ReadOnlySpan<RateLimitRule> checkedWith)
    {
        if (checkedWith.Length == 1) return key;
        RedisKey[] keys = KeysFor(checkedWith);
        for (int i = 0; i < checkedWith.Length; i++)
        {
            if (string.Equals(checkedWith[i].Key, key, StringComparison.Ordinal)) return (string)keys[i]!;
        }

        return key;
    }

    private void DeleteState(string key, string storedKey)
    {
        ThrowIfNotUtf16(key);
        _fallback.Reset(key);
        _denials?.Forget(key);
        try
        {
            IDatabase database = SyncDatabase();
            ThrowIfDisconnected(database);
            database.KeyDelete(storedKey);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw ResetUnavailable(key, ex);
        }
    }

    private async ValueTask DeleteStateAsync(string key, string storedKey, CancellationToken cancellationToken)
    {
        ThrowIfNotUtf16(key);
        _fallback.Reset(key);
        _denials?.Forget(key);
        Task<bool>? deletion = null;
        try
        {
            ThrowIfDisconnected(_database);
            deletion = _database.KeyDeleteAsync(storedKey);
            await deletion.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Observe(deletion);
            throw ResetUnavailable(key, ex);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        DisposeDedicatedConnection();
        if (_ownsConnection) _redis.Dispose();
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        DisposeDedicatedConnection();
        if (_ownsConnection) await _redis.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="error"/> says the store could not decide, rather than that the call or the data is wrong.</summary>
    internal static bool IsUnavailable(Exception error) => error switch
    {
        TimeoutException => true, // ours, and StackExchange.Redis's RedisTimeoutException
        RedisConnectionException => true,
        RedisServerException server => IsTransient(server.Message),
        _ => false,
    };

    private static bool IsTransient(string message)
    {
        // Replies of a server that is alive but cannot decide now: loading its data, running a slow
        // script, out of memory, a replica after failover, or a cluster that is reconfiguring.
        foreach (string prefix in (ReadOnlySpan<string>)["LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS"])
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>
    /// Redis keys are UTF-8, where every lone UTF-16 surrogate becomes U+FFFD: two different keys
    /// would be one. Keys built with <see cref="RateLimitKey"/> escape them; a raw key with one is refused.
    /// </summary>
    private static void ThrowIfNotUtf16(string key)
    {
        if (key.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return;
        for (int i = 0; i < key.Length; i++)
        {
            if (!char.IsSurrogate(key[i])) continue;
            if (char.IsHighSurrogate(key[i]) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
                continue;
            }

            throw new ArgumentException(
                $"The rate-limit key has a lone UTF-16 surrogate (U+{(int)key[i]:X4}) at index {i}; Redis would store it as U+FFFD and merge it with other keys. Build keys with RateLimitKey.Create, which escapes it.",
                "rule");
        }
    }

    private static RedisCellOptions Checked(RedisCellOptions? options)
    {
        RedisCellOptions copy = options?.Clone() ?? new RedisCellOptions();
        copy.Validate();
        return copy;
    }

    private static int TimeoutMilliseconds(RedisCellOptions options) => (int)Math.Ceiling(options.Timeout.TotalMilliseconds);

    // A connection that decides within the timeout: both of StackExchange.Redis's timeouts are the
    // limiter's, nothing queues while disconnected (it would run late, after the caller was
    // answered by the failure policy), and reconnecting is retried at a steady 400 ms.
    // Connecting is bounded too: StackExchange.Redis waits ConnectTimeout (5 s by default) times
    // ConnectRetry (3) for a server that accepts TCP but never answers, and an application's
    // startup waits for Connect. One attempt of max(Timeout, 1 s) is enough, because the connection
    // goes on reconnecting in the background (AbortOnConnectFail is off); an explicit connectTimeout wins.
    private static ConfigurationOptions ForDecisions(ConfigurationOptions configuration, RedisCellOptions options)
    {
        ConfigurationOptions tuned = configuration.Clone();
        int timeoutMs = TimeoutMilliseconds(options);
        tuned.AbortOnConnectFail = false;
        tuned.SyncTimeout = timeoutMs;
        tuned.AsyncTimeout = timeoutMs;
        // A connectTimeout the application chose (a cold TLS handshake can need more) is kept.
        if (!HasExplicitConnectTimeout(configuration)) tuned.ConnectTimeout = Math.Max(timeoutMs, ConnectTimeoutFloorMs);
        tuned.ConnectRetry = 1;
        tuned.BacklogPolicy = BacklogPolicy.FailFast;
        tuned.ReconnectRetryPolicy = new LinearRetry(ReconnectIntervalMs);
        tuned.HeartbeatInterval = s_heartbeat;
        return tuned;
    }

    // StackExchange.Redis has no "was set" flag, but writes connectTimeout into the configuration
    // string only when it was given (in a string or through the property).
    private static bool HasExplicitConnectTimeout(ConfigurationOptions configuration) =>
        configuration.ToString(includePassword: false).Contains("connectTimeout=", StringComparison.OrdinalIgnoreCase);

    private IDatabase Prefixed(IConnectionMultiplexer redis)
    {
        IDatabase database = redis.GetDatabase(Options.Database);
        return Options.KeyPrefix.Length == 0 ? database : database.WithKeyPrefix(Options.KeyPrefix);
    }

    private RateLimitResult FallBack(in RateLimitRule rule, Exception failure) => _fallback.Decide(new ReadOnlySpan<RateLimitRule>(in rule), failure);

    private RateLimiterUnavailableException ResetUnavailable(string key, Exception error) =>
        new($"The rate-limit store could not reset '{key}' ({_fallback.Describe(error)}).", error);

    // The synchronous path: StackExchange.Redis's own blocking call on a connection whose
    // SyncTimeout is the limiter's timeout. Returns false when the store could not decide.
    // StackExchange.Redis's synchronous calls take no per-call timeout, so the resend after NOSCRIPT
    // is sent only while a whole SyncTimeout of the decision's timeout is left (never, on a
    // connection tuned for decisions); otherwise the failure policy answers and the script is
    // loaded again in the background (ScriptReloader), so no decision waits past its timeout.
    private bool TryEvaluate(in ScriptCall call, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RedisResult? reply, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out Exception? failure)
    {
        reply = null;
        failure = null;
        long deadline = Deadline();
        if (!_breaker.TryEnter(_redis.IsConnected, out bool probe))
        {
            failure = new StoreCircuitOpenException();
            return false;
        }

        try
        {
            IDatabase database = SyncDatabase();
            ThrowIfDisconnected(database);
            try
            {
                reply = call.Script is null
                    ? database.Execute(ModuleCommand, call.CommandArguments())
                    : database.ScriptEvaluate(call.Script.Hash, call.Keys, call.Values);
            }
            catch (RedisServerException ex) when (call.Script is null && IsUnknownCommand(ex))
            {
                Answered(probe);
                ModuleGone();
                failure = new ModuleCommandGoneException(ex);
                return false;
            }
            catch (RedisServerException ex) when (call.Script is not null && IsNoScript(ex))
            {
                // The server lost its script cache (restart, SCRIPT FLUSH, failover): send the text
                // once if its wait fits in what is left, else answer now and load it for later calls.
                if (Remaining(deadline).TotalMilliseconds < database.Multiplexer.TimeoutMilliseconds)
                {
                    _scriptReloader.Reload(database.Multiplexer, call.Script);
                    Answered(probe); // the server is up: this is no failure for the breaker
                    failure = new ScriptReloadingException(_timeout, ex);
                    return false;
                }

                reply = database.ScriptEvaluate(call.Script.Text, call.Keys, call.Values);
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Failed(probe);
            failure = ex;
            return false;
        }
        catch (RedisServerException ex)
        {
            Answered(probe);
            throw Translate(ex, call.Keys);
        }
        catch
        {
            _breaker.OnAbandoned(probe);
            throw;
        }

        Answered(probe);
        return true;
    }

    // The asynchronous path: stops waiting at the timeout, whatever the connection's own timeouts.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Outcome> TryEvaluateAsync(ScriptCall call, long deadline, CancellationToken cancellationToken)
    {
        if (!_breaker.TryEnter(_redis.IsConnected, out bool probe)) return new Outcome(null, new StoreCircuitOpenException());
        RedisResult reply;
        try
        {
            reply = call.Script is null
                ? await ExecuteModuleCommandAsync(call, deadline, cancellationToken).ConfigureAwait(false)
                : await EvaluateAsync(call.Script, call.Keys, call.Values, deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (call.Script is null && IsUnknownCommand(ex))
        {
            Answered(probe);
            ModuleGone();
            return new Outcome(null, new ModuleCommandGoneException(ex));
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Failed(probe);
            return new Outcome(null, ex);
        }
        catch (RedisServerException ex)
        {
            Answered(probe);
            throw Translate(ex, call.Keys);
        }
        catch
        {
            _breaker.OnAbandoned(probe);
            throw;
        }

        Answered(probe);
        return new Outcome(reply, null);
    }

    // EVALSHA, or the script's text once when the server lost its script cache (restart, SCRIPT
    // FLUSH, failover). The resend gets what is left until the deadline, not a new timeout, and a
    // command abandoned by a timeout or a cancellation is observed.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values, long deadline, CancellationToken cancellationToken)
    {
        ThrowIfDisconnected(_database);
        Task<RedisResult>? evaluation = null;
        try
        {
            try
            {
                evaluation = _database.ScriptEvaluateAsync(script.Hash, keys, values);
                return await evaluation.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsNoScript(ex))
            {
                evaluation = _database.ScriptEvaluateAsync(script.Text, keys, values);
                return await evaluation.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Observe(evaluation);
            throw;
        }
    }

    // A command abandoned at the timeout may still fail later; its exception is observed here so it
    // is not reported as unobserved.
    private static void Observe(Task? abandoned)
    {
        if (abandoned is { IsCompleted: false }) _ = abandoned.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
    }

    // A connection with no server at all would queue the command (or fail it) without asking anyone:
    // that is a failure now, not after the timeout.
    private static void ThrowIfDisconnected(IDatabase database)
    {
        if (!database.Multiplexer.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "The connection has no server to send the decision to.");
        }
    }

    private void Answered(bool probe)
    {
        if (_breaker.OnSuccess(probe, out TimeSpan outage, out long skipped)) Log.CircuitClosed(_logger, outage, skipped);
    }

    private void Failed(bool probe)
    {
        if (_breaker.OnFailure(probe)) Log.CircuitOpened(_logger, Options.BreakAfterFailures, Options.BreakDuration);
    }

    // The database synchronous decisions use: the limiter's own when its SyncTimeout is within the
    // timeout, else a dedicated connection opened on first use.
    private IDatabase SyncDatabase() => Volatile.Read(ref _syncDatabase) ?? OpenDedicatedConnection();

    private IDatabase OpenDedicatedConnection()
    {
        Task<ConnectionMultiplexer> connecting;
        lock (_syncLock)
        {
            if (_syncDatabase is not null) return _syncDatabase;
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_syncConnecting is null)
            {
                ConfigurationOptions configuration;
                try
                {
                    configuration = ForDecisions(ConfigurationOptions.Parse(_redis.Configuration), Options);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
                {
                    Log.SyncConnectionNotOpened(_logger, _redis.TimeoutMilliseconds, ex);
                    Volatile.Write(ref _syncDatabase, _database);
                    return _database;
                }

                _syncConnecting = ConnectionMultiplexer.ConnectAsync(configuration);
            }

            connecting = _syncConnecting;
        }

        // The one wait on a task in the synchronous path: opening the connection, once per limiter,
        // bounded by the timeout like any decision.
        try
        {
            if (!connecting.Wait(_timeout)) throw new TimeoutException("The dedicated connection for synchronous decisions is still opening.");
        }
        catch (AggregateException ex)
        {
            Log.SyncConnectionNotOpened(_logger, _redis.TimeoutMilliseconds, ex.InnerException ?? ex);
            Volatile.Write(ref _syncDatabase, _database);
            return _database;
        }

        lock (_syncLock)
        {
            if (_syncDatabase is null)
            {
                Log.SyncConnectionOpened(_logger, TimeoutMilliseconds(Options), _redis.TimeoutMilliseconds);
                Volatile.Write(ref _syncDatabase, Prefixed(connecting.Result));
            }

            return _syncDatabase;
        }
    }

    private void DisposeDedicatedConnection()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_syncLock)
        {
            _disposed = true;
            connecting = _syncConnecting;
        }

        if (connecting is null) return;
        if (connecting.IsCompletedSuccessfully) connecting.Result.Dispose();
        else _ = connecting.ContinueWith(static t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
    }

    // On a cluster, the keys of one script must share a slot (see the class remarks).
    private RedisKey[] KeysFor(ReadOnlySpan<RateLimitRule> rules)
    {
        var keys = new RedisKey[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            ThrowIfNotUtf16(rules[i].Key);
            keys[i] = rules[i].Key;
        }

        if (SharesOneSlot(keys)) return keys;

        string tag = ColocationTag(rules);
        for (int i = 0; i < rules.Length; i++) keys[i] = tag + rules[i].Key;
        return keys;
    }

    private bool SharesOneSlot(RedisKey[] keys)
    {
        // StackExchange.Redis computes no slot (-1) off a cluster: a single server pays nothing here.
        string prefix = Options.KeyPrefix;
        int first = _redis.GetHashSlot(prefix + (string?)keys[0]);
        if (first < 0) return true;
        for (int i = 1; i < keys.Length; i++)
        {
            if (_redis.GetHashSlot(prefix + (string?)keys[i]) != first) return false;
        }

        return true;
    }

    /// <summary>
    /// The hash tag that co-locates the keys of a multi-rule call on a cluster: derived from the
    /// call's policies (sorted, so the order of the rules does not matter), not from its keys.
    /// </summary>
    internal static string ColocationTag(ReadOnlySpan<RateLimitRule> rules)
    {
        var policies = new string[rules.Length];
        for (int i = 0; i < rules.Length; i++) policies[i] = rules[i].Policy.ToString();
        Array.Sort(policies, StringComparer.Ordinal);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', policies)));
        return MultiTagPrefix + Convert.ToHexString(hash, 0, 8).ToLowerInvariant() + "}";
    }

    private readonly record struct Outcome(RedisResult? Reply, Exception? Failure);

    private static RateLimitResult ParseMany(ReadOnlySpan<RateLimitRule> rules, RedisResult reply)
    {
        var replies = (RedisResult[])reply!;
        if (replies.Length != rules.Length) throw new RedisCellException($"The multi-rule script answered {replies.Length} results for {rules.Length} rules.");
        var results = new RateLimitResult[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            results[i] = rules[i].Policy is GcraPolicy ? ParseGcra(rules[i], replies[i]) : ParseWindow(rules[i], replies[i]);
        }

        return Decide(results);
    }

    // Microseconds since the epoch when the client clock is in use; empty means the server's TIME.
    private RedisValue ClientNow() => Options.Clock == ClockSource.Client
        ? (Options.TimeProvider.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
        : RedisValue.EmptyString;

    private static bool IsNoScript(RedisServerException ex) => ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    private static Exception Translate(RedisServerException ex, RedisKey[] keys) =>
        Translate(ex, keys.Length == 1 ? (string)keys[0]! : string.Join(", ", Array.ConvertAll(keys, k => (string)k!)));

    private static Exception Translate(RedisServerException ex, string key) => Translate(ex.Message, key, ex);

    // A script's error reply, about the key (or keys) of the decision it failed.
    private static RedisCellException Translate(string message, string key, Exception? inner)
    {
        if (message.Contains(ClockRefusedMarker, StringComparison.Ordinal))
        {
            return new RedisCellException(
                $"The server refused to let the rate-limit script read its clock (TIME): {message}. Set RedisCellOptions.Clock = ClockSource.Client to send this process's clock with each call instead (keep the clocks of every client in sync).",
                key,
                inner);
        }

        return new RedisCellException($"Rate-limit script failed for '{key}': {message}", key, inner);
    }

    private static RateLimitResult ParseGcra(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        return new RateLimitResult(
            rule,
            (long)values[0] == 1,
            (long)values[1],
            (long)values[2],
            Nanoseconds(values[5], values[6], rule.Key),
            Nanoseconds(values[7], values[8], rule.Key));
    }

    // The precise reply carries each duration as {high, low} = high * 1e9 + low, exact beyond 2^53.
    private static long Nanoseconds(RedisResult high, RedisResult low, string key)
    {
        try
        {
            return checked((Int64(high, key) * 1_000_000_000L) + Int64(low, key));
        }
        catch (OverflowException ex)
        {
            throw new RedisCellException($"The rate-limit script answered a duration for '{key}' that does not fit in 64 bits of nanoseconds ({high} s + {low} ns).", key, ex);
        }
    }

    private static long Int64(RedisResult value, string key) => TryInt64(value, out long parsed) ? parsed : throw NotInt64(value, key);

    // A reply integer: an integer, or decimal digits for a duration beyond what a double holds
    // exactly. A value outside 64 bits is an error, never a wrapped number.
    private static bool TryInt64(RedisResult value, out long parsed)
    {
        if (value.Resp2Type == ResultType.Integer)
        {
            parsed = (long)value;
            return true;
        }

        return long.TryParse((string?)value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out parsed);
    }

    private static RedisCellException NotInt64(RedisResult value, string key) =>
        new($"The rate-limit script answered \"{(string?)value}\" for '{key}', which is not a 64-bit integer.", key);

    // fixed_window.lua's reply: {limited, limit, remaining, retry_after_ms, reset_after_ms}.
    private static RateLimitResult ParseWindow(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        return Decisions.ToResult(rule, new Decisions.Window((long)values[0] == 1, (long)values[2], (long)values[3], (long)values[4]));
    }

    // One script invocation: which script, its keys and arguments.
    private readonly struct ScriptCall
    {
        private ScriptCall(LuaScript? script, RedisKey[] keys, RedisValue[] values, bool byModule = false)
        {
            Script = script;
            Keys = keys;
            Values = values;
            ByModule = byModule;
        }

        /// <summary>The script, or null for the CL.THROTTLE command itself (RedisCellModuleUse.Direct).</summary>
        public LuaScript? Script { get; }
        public RedisKey[] Keys { get; }
        public RedisValue[] Values { get; }

        /// <summary>Whether batch.lua was asked to decide GCRA through CL.THROTTLE (its five-value reply).</summary>
        public bool ByModule { get; }

        public bool IsModuleCommand => Script is null;

        // CL.THROTTLE key max_burst count period quantity: the policy's numbers as batch.lua gets them.
        public static ScriptCall ForModuleCommand(in RateLimitRule rule)
        {
            var gcra = (GcraPolicy)rule.Policy;
            return new ScriptCall(null, [rule.Key], [gcra.MaxBurst, gcra.Count, gcra.PeriodSeconds, rule.Quantity]);
        }

        // Execute's arguments: the key (as a RedisKey, so the key prefix applies and a cluster routes
        // it to its slot), then the four numbers.
        public object[] CommandArguments() => [Keys[0], Values[0], Values[1], Values[2], Values[3]];

        // One decision on its own: batch.lua with a single entry, the same script batches use.
        // `cached`, when given, holds the arguments of calls of quantity 1 with this same clock
        // argument, which must not change from call to call (the server's, or the module's).
        public static ScriptCall For(in RateLimitRule rule, RedisValue clock, bool byModule, ArgumentCache? cached)
        {
            RedisValue[] values = rule.Quantity == 1 && cached is not null
                ? cached.For(rule.Policy, clock)
                : Arguments(new ReadOnlySpan<RateLimitRule>(in rule), clock, nameof(rule));
            return new ScriptCall(LuaScript.Batch, [rule.Key], values, byModule);
        }

        public static ScriptCall ForMany(ReadOnlySpan<RateLimitRule> rules, RedisKey[] keys, RedisValue nowUs) =>
            new(LuaScript.Multi, keys, Arguments(rules, nowUs, nameof(rules)));

        // ARGV of batch.lua and multi.lua: now_us, then five per rule.
        public static RedisValue[] Arguments(ReadOnlySpan<RateLimitRule> rules, RedisValue nowUs, string paramName)
        {
            var values = new RedisValue[1 + (5 * rules.Length)];
            values[0] = nowUs;
            for (int i = 0; i < rules.Length; i++) WriteRule(values, 1 + (5 * i), rules[i].Policy, rules[i].Quantity, paramName);
            return values;
        }

        // One rule's five arguments: its kind, the policy's three numbers and the quantity.
        public static void WriteRule(RedisValue[] values, int at, RateLimitPolicy? policy, long quantity, string paramName)
        {
            switch (policy)
            {
                case GcraPolicy gcra:
                    values[at] = "g";
                    values[at + 1] = gcra.MaxBurst;
                    values[at + 2] = gcra.Count;
                    values[at + 3] = gcra.PeriodSeconds;
                    break;
                case FixedWindowPolicy window:
                    values[at] = "w";
                    values[at + 1] = window.Limit;
                    values[at + 2] = window.WindowMilliseconds;
                    values[at + 3] = RedisValue.EmptyString;
                    break;
                case null:
                    throw new ArgumentException("The rule has no policy; create rules with the RateLimitRule constructor.", paramName);
                default:
                    throw new ArgumentException($"Policy type {policy.GetType().Name} is not supported.", paramName);
            }

            values[at + 4] = quantity;
        }

    }

    // The reply of a single-entry batch.lua, or of CL.THROTTLE itself.
    private RateLimitResult ParseSingle(in ScriptCall call, in RateLimitRule rule, RedisResult reply)
    {
        if (call.IsModuleCommand) return ParseModuleReply(rule, reply);
        var values = (RedisResult[])reply!;
        int stride = EntryLength(call.ByModule);
        if (values.Length != stride) throw new RedisCellException($"The rate-limit script answered {values.Length} values for one decision; it answers {stride}.", rule.Key);
        if (!TryReadEntry(values, 0, call.ByModule, rule, out long state, out long retryAfter, out long resetAfter, out RedisCellException? error)) throw error;
        return ToResult(rule, state, retryAfter, resetAfter);
    }

    // How many values batch.lua answers per decision.
    private static int EntryLength(bool byModule) => byModule ? 5 : 3;

    // Entry `index` of batch.lua's reply, or the decision's own error in place of its first value:
    // three values, or five when the module was asked (see TryReadModuleEntry).
    private bool TryReadEntry(RedisResult[] values, int index, bool byModule, in RateLimitRule rule, out long state, out long retryAfter, out long resetAfter, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out RedisCellException? error)
    {
        int at = EntryLength(byModule) * index;
        RedisResult first = values[at];
        if (first.Resp2Type != ResultType.Integer)
        {
            (state, retryAfter, resetAfter) = (0, 0, 0);
            error = Translate(first.ToString()!, rule.Key, null);
            return false;
        }

        state = (long)first;
        if (byModule && values[at + 3].Resp2Type == ResultType.Integer) return TryReadModuleEntry(values, at, rule, state, out retryAfter, out resetAfter, out error);
        if (byModule && (string?)values[at + 3] == ModuleGoneMarker) ModuleGone();
        RedisResult retry = values[at + 1], reset = values[at + 2];
        resetAfter = 0;
        error = !TryInt64(retry, out retryAfter) ? NotInt64(retry, rule.Key)
            : !TryInt64(reset, out resetAfter) ? NotInt64(reset, rule.Key)
            : null;
        return error is null;
    }

    // A batch.lua entry as a result. State is the remaining count, or -(remaining + 1) when
    // limited; durations are nanoseconds for GCRA and milliseconds for a fixed window.
    private static RateLimitResult ToResult(in RateLimitRule rule, long state, long retryAfter, long resetAfter)
    {
        bool limited = state < 0;
        long remaining = limited ? -(state + 1) : state;
        return rule.Policy is GcraPolicy
            ? new RateLimitResult(rule, limited, rule.Policy.Limit, remaining, retryAfter, resetAfter)
            : Decisions.ToResult(rule, new Decisions.Window(limited, remaining, retryAfter, resetAfter));
    }

    /// <summary>
    /// The arguments of the commonest call (quantity 1, one fixed clock argument per cache) per
    /// policy, built once: the array is only read while the command is written, so concurrent calls
    /// can share it. A few slots indexed by the policy's identity bound it; a policy that loses its
    /// slot builds it again.
    /// </summary>
    private sealed class ArgumentCache
    {
        private const int Slots = 64;
        private readonly Arguments?[] _slots = new Arguments?[Slots];

        public RedisValue[] For(RateLimitPolicy policy, RedisValue clock)
        {
            RedisValue[]? known = Find(policy);
            if (known is not null) return known;
            var values = new RedisValue[6];
            values[0] = clock;
            ScriptCall.WriteRule(values, 1, policy, 1, "rule");
            return Remember(policy, values);
        }

        private RedisValue[]? Find(RateLimitPolicy policy)
        {
            Arguments? known = Volatile.Read(ref _slots[RuntimeHelpers.GetHashCode(policy) & (Slots - 1)]);
            return known is not null && ReferenceEquals(known.Policy, policy) ? known.Values : null;
        }

        private RedisValue[] Remember(RateLimitPolicy policy, RedisValue[] values)
        {
            Volatile.Write(ref _slots[RuntimeHelpers.GetHashCode(policy) & (Slots - 1)], new Arguments(policy, values));
            return values;
        }

        private sealed record Arguments(RateLimitPolicy Policy, RedisValue[] Values);
    }
}
