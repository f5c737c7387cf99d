using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace RedisCell.Aspects;

/// <summary>
/// A <see cref="CellLimiter"/> whose state lives in Redis, Garnet or a Redis Cluster, shared by
/// every process that uses the same keys. Each decision is one atomic Lua script on the server
/// clock: <c>cl_throttle.lua</c> for GCRA (state compatible with redis-cell's <c>CL.THROTTLE</c>)
/// and <c>fixed_window.lua</c> for fixed windows.
/// </summary>
public sealed class RedisCellLimiter : CellLimiter
{
    private const string Precise = "1";

    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _database;
    private readonly bool _ownsConnection;

    /// <summary>Creates a limiter on an existing connection, which the caller keeps owning.</summary>
    public RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions? options = null)
        : this(redis, options, ownsConnection: false)
    {
    }

    private RedisCellLimiter(IConnectionMultiplexer redis, RedisCellOptions? options, bool ownsConnection)
        : base(options)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        IDatabase database = redis.GetDatabase(Options.Database);
        _database = Options.KeyPrefix.Length == 0 ? database : database.WithKeyPrefix(Options.KeyPrefix);
        _ownsConnection = ownsConnection;
    }

    private protected override string StoreName => "redis";

    /// <summary>The connection this limiter uses.</summary>
    public IConnectionMultiplexer Connection => _redis;

    /// <summary>
    /// Connects to <paramref name="configuration"/> (a StackExchange.Redis configuration string or a
    /// <c>redis://</c> URL) and creates a limiter that owns the connection.
    /// </summary>
    /// <remarks>
    /// The connection does not fail when the server is down at startup; it keeps retrying in the
    /// background, and calls meanwhile follow the failure policy.
    /// </remarks>
    public static RedisCellLimiter Connect(string configuration, RedisCellOptions? options = null)
    {
        ConfigurationOptions parsed = RedisConnectionString.Parse(configuration);
        parsed.AbortOnConnectFail = false;
        return new RedisCellLimiter(ConnectionMultiplexer.Connect(parsed), options, ownsConnection: true);
    }

    /// <inheritdoc cref="Connect(string, RedisCellOptions?)"/>
    public static async Task<RedisCellLimiter> ConnectAsync(string configuration, RedisCellOptions? options = null)
    {
        ConfigurationOptions parsed = RedisConnectionString.Parse(configuration);
        parsed.AbortOnConnectFail = false;
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(parsed).ConfigureAwait(false);
        return new RedisCellLimiter(redis, options, ownsConnection: true);
    }

    private protected override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        ScriptCall call = ScriptCall.For(rule, ClientNow());
        return call.Parse(rule, Evaluate(call));
    }

    private protected override async ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken)
    {
        ScriptCall call = ScriptCall.For(rule, ClientNow());
        RedisResult reply = await EvaluateAsync(call, cancellationToken).ConfigureAwait(false);
        return call.Parse(rule, reply);
    }

    private protected override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        ScriptCall call = ScriptCall.ForMany(rules, ClientNow());
        return ParseMany(rules, Evaluate(call));
    }

    private protected override async ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken)
    {
        ScriptCall call = ScriptCall.ForMany(rules.Span, ClientNow());
        RedisResult reply = await EvaluateAsync(call, cancellationToken).ConfigureAwait(false);
        return ParseMany(rules.Span, reply);
    }

    private protected override void ResetCore(string key)
    {
        _database.KeyDelete(key);
    }

    private protected override async ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken)
    {
        await _database.KeyDeleteAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsConnection) _redis.Dispose();
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        if (_ownsConnection) await _redis.DisposeAsync().ConfigureAwait(false);
    }

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

    private RedisResult Evaluate(in ScriptCall call)
    {
        try
        {
            try
            {
                return _database.ScriptEvaluate(call.Script.Hash, call.Keys, call.Values);
            }
            catch (RedisServerException ex) when (IsNoScript(ex))
            {
                // The server lost its script cache (restart, SCRIPT FLUSH, failover): send the text once.
                return _database.ScriptEvaluate(call.Script.Text, call.Keys, call.Values);
            }
        }
        catch (RedisServerException ex)
        {
            throw Translate(ex, call);
        }
    }

    private async Task<RedisResult> EvaluateAsync(ScriptCall call, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return await _database.ScriptEvaluateAsync(call.Script.Hash, call.Keys, call.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (IsNoScript(ex))
            {
                return await _database.ScriptEvaluateAsync(call.Script.Text, call.Keys, call.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RedisServerException ex)
        {
            throw Translate(ex, call);
        }
    }

    private static bool IsNoScript(RedisServerException ex) => ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    private Exception Translate(RedisServerException ex, in ScriptCall call)
    {
        string key = call.Keys.Length == 1 ? (string)call.Keys[0]! : string.Join(", ", Array.ConvertAll(call.Keys, k => (string)k!));
        if (Options.Clock == ClockSource.Server && ex.Message.Contains("TIME", StringComparison.Ordinal)
            && !ex.Message.Contains("timestamp", StringComparison.Ordinal))
        {
            return new RedisCellException(
                $"The server refused to read its clock (TIME) inside a script: {ex.Message}. Set RedisCellOptions.Clock = ClockSource.Client to send this process's clock instead.",
                key,
                ex);
        }

        return new RedisCellException($"Rate-limit script failed for '{key}': {ex.Message}", key, ex);
    }

    private static RateLimitResult ParseGcra(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        return new RateLimitResult(
            rule,
            (long)values[0] == 1,
            (long)values[1],
            (long)values[2],
            Nanoseconds(values[5], values[6]),
            Nanoseconds(values[7], values[8]));
    }

    // The precise reply carries each duration as {high, low} = high * 1e9 + low, exact beyond 2^53.
    private static long Nanoseconds(RedisResult high, RedisResult low) => ((long)high * 1_000_000_000L) + (long)low;

    private static RateLimitResult ParseWindow(in RateLimitRule rule, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        long retryMs = (long)values[3];
        return new RateLimitResult(
            rule,
            (long)values[0] == 1,
            (long)values[1],
            (long)values[2],
            retryMs < 0 ? RateLimitResult.NeverNanoseconds : retryMs * Decisions.NanosecondsPerMillisecond,
            (long)values[4] * Decisions.NanosecondsPerMillisecond);
    }

    // One script invocation: which script, its keys and arguments.
    private readonly struct ScriptCall
    {
        private ScriptCall(LuaScript script, RedisKey[] keys, RedisValue[] values)
        {
            Script = script;
            Keys = keys;
            Values = values;
        }

        public LuaScript Script { get; }
        public RedisKey[] Keys { get; }
        public RedisValue[] Values { get; }

        public static ScriptCall For(in RateLimitRule rule, RedisValue nowUs) => rule.Policy switch
        {
            GcraPolicy gcra => new ScriptCall(
                LuaScript.ClThrottle,
                [rule.Key],
                [gcra.MaxBurst, gcra.Count, gcra.PeriodSeconds, rule.Quantity, nowUs, Precise]),
            FixedWindowPolicy window => new ScriptCall(
                LuaScript.FixedWindow,
                [rule.Key],
                [window.Limit, window.WindowMilliseconds, rule.Quantity]),
            null => throw new ArgumentException("The rule has no policy; create rules with the RateLimitRule constructor.", nameof(rule)),
            _ => throw new ArgumentException($"Policy type {rule.Policy.GetType().Name} is not supported.", nameof(rule)),
        };

        public static ScriptCall ForMany(ReadOnlySpan<RateLimitRule> rules, RedisValue nowUs)
        {
            var keys = new RedisKey[rules.Length];
            var values = new RedisValue[1 + (5 * rules.Length)];
            values[0] = nowUs;
            for (int i = 0; i < rules.Length; i++)
            {
                RateLimitRule rule = rules[i];
                keys[i] = rule.Key;
                int a = 1 + (5 * i);
                switch (rule.Policy)
                {
                    case GcraPolicy gcra:
                        values[a] = "g";
                        values[a + 1] = gcra.MaxBurst;
                        values[a + 2] = gcra.Count;
                        values[a + 3] = gcra.PeriodSeconds;
                        break;
                    case FixedWindowPolicy window:
                        values[a] = "w";
                        values[a + 1] = window.Limit;
                        values[a + 2] = window.WindowMilliseconds;
                        values[a + 3] = RedisValue.EmptyString;
                        break;
                    case null:
                        throw new ArgumentException("A rule has no policy; create rules with the RateLimitRule constructor.", nameof(rules));
                    default:
                        throw new ArgumentException($"Policy type {rule.Policy.GetType().Name} is not supported.", nameof(rules));
                }

                values[a + 4] = rule.Quantity;
            }

            return new ScriptCall(LuaScript.Multi, keys, values);
        }

        public RateLimitResult Parse(in RateLimitRule rule, RedisResult reply) =>
            Script == LuaScript.ClThrottle ? ParseGcra(rule, reply) : ParseWindow(rule, reply);
    }
}
