using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Telemetry;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// The connections a <see cref="RedisCellLimiter"/> decides on: the one it was given or opened,
/// tuned for decisions (see <see cref="ForDecisions"/>), and for synchronous decisions on a
/// connection whose <c>SyncTimeout</c> is longer than the decision timeout, a dedicated one.
/// </summary>
internal sealed class RedisConnection : IDisposable, IAsyncDisposable
{
    // Owned connections retry reconnecting every 400 ms, checked every 200 ms: a restarted server
    // is used again within about 0.6 s. StackExchange.Redis abandons a connect attempt once the
    // retry interval has passed.
    private const int ReconnectIntervalMs = 400;

    private static readonly TimeSpan s_heartbeat = TimeSpan.FromMilliseconds(200);

    private readonly bool _owned;
    private readonly RedisCellOptions _options;
    private readonly ILogger _logger;
    private readonly object _syncLock = new();
    private IDatabase? _syncDatabase;
    private Task<ConnectionMultiplexer>? _syncConnecting;
    private bool _disposed;
    // How long a connect waits for the connection's next attempt to say why it failed (it retries every 400 ms).
    private static readonly TimeSpan s_failureWait = TimeSpan.FromMilliseconds(600);
    private const int Unknown = -1;

    private readonly TaskCompletionSource _failureSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _failureSeenEvent = new();
    private volatile string? _lastFailure;
    private volatile int _lastFailureType = Unknown;

    public RedisConnection(IConnectionMultiplexer multiplexer, RedisCellOptions options, ILogger logger, bool owned)
    {
        Multiplexer = multiplexer;
        _options = options;
        _logger = logger;
        _owned = owned;
        Database = Prefixed(multiplexer);
        if (owned || multiplexer.TimeoutMilliseconds <= TimeoutMilliseconds(options)) _syncDatabase = Database;
        Description = "Redis at " + string.Join(", ", multiplexer.GetEndPoints().Select(EndPointCollection.ToString));
        multiplexer.ConnectionFailed += OnConnectionFailed;
    }

    /// <summary>What this connection reaches, for messages: <c>Redis at 127.0.0.1:6379</c>, never a password.</summary>
    public string Description { get; }

    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The database decisions use, with the key prefix applied.</summary>
    public IDatabase Database { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>
    /// The configuration a decision connection uses: both timeouts are the decision timeout, nothing
    /// queues while disconnected (it would run after the caller was answered by the failure mode),
    /// reconnecting is retried at a steady 400 ms, and a first connect is one attempt of
    /// <see cref="ConnectBudget"/> (the connection goes on reconnecting in the background).
    /// </summary>
    public static ConfigurationOptions ForDecisions(ConfigurationOptions configuration, RedisCellOptions options)
    {
        ConfigurationOptions tuned = configuration.Clone();
        int timeoutMs = TimeoutMilliseconds(options);
        tuned.AbortOnConnectFail = false;
        tuned.SyncTimeout = timeoutMs;
        tuned.AsyncTimeout = timeoutMs;
        tuned.ConnectTimeout = (int)Math.Ceiling(ConnectBudget(configuration, options).TotalMilliseconds);
        tuned.ConnectRetry = 1;
        tuned.BacklogPolicy = BacklogPolicy.FailFast;
        tuned.ReconnectRetryPolicy = new LinearRetry(ReconnectIntervalMs);
        tuned.HeartbeatInterval = s_heartbeat;
        return tuned;
    }

    /// <summary>How long connecting may take: the configuration's own <c>connectTimeout</c>, else <see cref="RedisCellOptions.ConnectTimeout"/>.</summary>
    public static TimeSpan ConnectBudget(ConfigurationOptions configuration, RedisCellOptions options) =>
        HasExplicitConnectTimeout(configuration) ? TimeSpan.FromMilliseconds(configuration.ConnectTimeout) : options.ConnectTimeout;

    /// <summary>Every primary server: where scripts are loaded and engines looked for.</summary>
    public IEnumerable<IServer> Primaries() => Multiplexer.GetServers().Where(server => !server.IsReplica);

    /// <summary>The cluster slot of a logical key (prefixed), or -1 off a cluster.</summary>
    public int SlotOf(string key) => Multiplexer.GetHashSlot(_options.KeyPrefix + key);

    /// <summary>Whether the connection computes slots at all: off a cluster it does not, and a single server pays one check.</summary>
    public bool ComputesSlots(string key) => Multiplexer.GetHashSlot(key) >= 0;

    /// <summary>
    /// The database synchronous decisions use: this connection's when its <c>SyncTimeout</c> is
    /// within the decision timeout, else a dedicated connection opened on first use.
    /// </summary>
    public IDatabase SyncDatabase() => Volatile.Read(ref _syncDatabase) ?? OpenDedicatedConnection();

    /// <summary>Fails at once when the connection has no server to send to: it would queue or fail without asking anyone.</summary>
    public void ThrowIfDisconnected(IDatabase database)
    {
        if (!database.Multiplexer.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, $"No connection to {Description}: {_lastFailure ?? "not connected"}");
        }
    }

    /// <summary>
    /// Finds out why a connection that just connected has no server: the reason its first commands
    /// will fail with. A server that refuses the credentials never will accept them, so that is thrown.
    /// </summary>
    /// <exception cref="RedisCellException">The server refused the credentials.</exception>
    public async Task ExplainNotConnectedAsync()
    {
        if (Multiplexer.IsConnected) return;
        try
        {
            // Answered at once: the connection fails commands fast while it has no server.
            await Database.PingAsync().WaitAsync(_options.Failure.Timeout).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            Note(ex);
        }

        // A ping that met a reconnect under way says nothing of why; the next attempt's failure does.
        if (_lastFailureType == Unknown) await _failureSeen.Task.WaitAsync(s_failureWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ThrowIfCredentialsRefused();
    }

    /// <summary>The synchronous <see cref="ExplainNotConnectedAsync"/>.</summary>
    public void ExplainNotConnected()
    {
        if (Multiplexer.IsConnected) return;
        try
        {
            Database.Ping();
            return;
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            Note(ex);
        }

        if (_lastFailureType == Unknown) _failureSeenEvent.Wait(s_failureWait);
        ThrowIfCredentialsRefused();
    }

    public void Dispose()
    {
        Multiplexer.ConnectionFailed -= OnConnectionFailed;
        DisposeDedicatedConnection();
        if (_owned) Multiplexer.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Multiplexer.ConnectionFailed -= OnConnectionFailed;
        DisposeDedicatedConnection();
        if (_owned) await Multiplexer.DisposeAsync().ConfigureAwait(false);
    }

    private void Note(Exception failure)
    {
        if (failure is not RedisConnectionException connection)
        {
            _lastFailure ??= "no answer";
            return;
        }

        _lastFailure ??= StoreErrors.ConnectionReason(connection);
        if (StoreErrors.IsCredentialsRefused(connection)) _lastFailureType = (int)ConnectionFailureType.AuthenticationFailure;
    }

    private void ThrowIfCredentialsRefused()
    {
        if (_lastFailureType != (int)ConnectionFailureType.AuthenticationFailure) return;
        throw new RedisCellException($"{Description} refused the credentials ({_lastFailure}); check the user and password of the connection string.");
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        _lastFailure = StoreErrors.ConnectionReason(e.FailureType, e.Exception);
        _lastFailureType = (int)e.FailureType;
        _failureSeenEvent.Set();
        _failureSeen.TrySetResult();
    }

    private static int TimeoutMilliseconds(RedisCellOptions options) => (int)Math.Ceiling(options.Failure.Timeout.TotalMilliseconds);

    // StackExchange.Redis has no "was set" flag, but writes connectTimeout into the configuration
    // string only when it was given (in a string or through the property).
    private static bool HasExplicitConnectTimeout(ConfigurationOptions configuration) =>
        configuration.ToString(includePassword: false).Contains("connectTimeout=", StringComparison.OrdinalIgnoreCase);

    private IDatabase Prefixed(IConnectionMultiplexer multiplexer)
    {
        IDatabase database = multiplexer.GetDatabase(_options.Database);
        return _options.KeyPrefix.Length == 0 ? database : database.WithKeyPrefix(_options.KeyPrefix);
    }

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
                    configuration = ForDecisions(ConfigurationOptions.Parse(Multiplexer.Configuration), _options);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
                {
                    return UseSharedConnection(ex);
                }

                _syncConnecting = ConnectionMultiplexer.ConnectAsync(configuration);
            }

            connecting = _syncConnecting;
        }

        // The one wait on a task in the synchronous path: opening the connection, once per limiter,
        // bounded by the timeout like any decision.
        try
        {
            if (!connecting.Wait(_options.Failure.Timeout)) throw new TimeoutException("The dedicated connection for synchronous decisions is still opening.");
        }
        catch (AggregateException ex)
        {
            lock (_syncLock) return UseSharedConnection(ex.InnerException ?? ex);
        }

        lock (_syncLock)
        {
            if (_syncDatabase is null)
            {
                Log.SyncConnectionOpened(_logger, TimeoutMilliseconds(_options), Multiplexer.TimeoutMilliseconds);
                Volatile.Write(ref _syncDatabase, Prefixed(connecting.Result));
            }

            return _syncDatabase;
        }
    }

    private IDatabase UseSharedConnection(Exception why)
    {
        Log.SyncConnectionNotOpened(_logger, Multiplexer.TimeoutMilliseconds, why);
        Volatile.Write(ref _syncDatabase, Database);
        return Database;
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
}
