using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.InProcess;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects.Resilience;

/// <summary>
/// Answers a decision the store could not make, as its failure policy says: allow it
/// (<see cref="FailureMode.FailOpen"/>), refuse it with
/// <see cref="RateLimiterUnavailableException"/> (<see cref="FailureMode.FailClosed"/>),
/// or decide it on an in-process twin with this process's share of the limit
/// (<see cref="FailureMode.Local"/>). Every such decision is counted in the
/// <c>rediscell.limiter.errors</c> metric; the log gets at most one entry per
/// <see cref="FailureOptions.LogInterval"/>.
/// </summary>
/// <remarks>
/// When the rules of one call name different failure policies, the strictest applies:
/// <c>FailClosed</c> if any rule asks for it, else the rules that ask for <c>Local</c> are decided
/// together on the twin (the others are allowed), else the call is allowed.
/// </remarks>
internal sealed class StoreFallback
{
    private readonly FailureOptions _options;
    private readonly StoreStatus? _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _store;
    private readonly LocalShare _share;
    private readonly long _logIntervalTicks;
    private InProcessCellLimiter? _local;
    private long _lastLog;
    private long _unreported;

    public StoreFallback(FailureOptions options, TimeProvider time, ILogger logger, string store, StoreStatus? status = null)
    {
        _status = status;
        _options = options;
        _time = time;
        _logger = logger;
        _store = store;
        _share = new LocalShare(options.LocalShare);
        _logIntervalTicks = (long)(options.LogInterval.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>The twin, created on first use; every process keeps its own.</summary>
    private InProcessCellLimiter Local
    {
        get
        {
            InProcessCellLimiter? local = Volatile.Read(ref _local);
            if (local is not null) return local;
            var created = new InProcessCellLimiter(_time);
            return Interlocked.CompareExchange(ref _local, created, null) ?? created;
        }
    }

    /// <summary>Decides <paramref name="rules"/> without the store, which failed with <paramref name="error"/>.</summary>
    /// <exception cref="RateLimiterUnavailableException">A rule's failure policy is <see cref="FailureMode.FailClosed"/>.</exception>
    public RateLimitResult Decide(ReadOnlySpan<RateLimitRule> rules, Exception error)
    {
        FailureMode applied = FailureMode.FailOpen;
        int deciding = 0;
        for (int i = 0; i < rules.Length; i++)
        {
            FailureMode policy = rules[i].Policy.FailureMode ?? _options.Mode;
            if (Stricter(policy, applied))
            {
                applied = policy;
                deciding = i;
            }
        }

        CellTelemetry.RecordError(rules[deciding].Policy, _store, error, applied);
        Report(error, applied);
        _status?.Down(Describe(error));
        RateLimitResult answer = applied switch
        {
            FailureMode.FailClosed => throw Unavailable(rules[deciding], error),
            FailureMode.Local => DecideLocally(rules),
            _ => Allow(rules[0]),
        };
        return answer.AnsweredBy(DecisionSource.FailureMode);
    }

    /// <summary>Forgets the twin's state for <paramref name="key"/>, so a reset also clears what was counted locally.</summary>
    public void Reset(string key) => Volatile.Read(ref _local)?.Reset(key);

    /// <summary>The exception for a store that could not decide.</summary>
    public RateLimiterUnavailableException Unavailable(in RateLimitRule rule, Exception error) => new(
        $"The rate-limit store could not decide for '{rule.Key}' ({Describe(error)}) and the failure policy is FailClosed; the call was not over any limit.",
        error);

    /// <summary>A short reason for logs and messages.</summary>
    public string Describe(Exception error) => error switch
    {
        StoreCircuitOpenException => "the circuit breaker is open after repeated failures",
        TimeoutException => $"no answer within {_options.Timeout.TotalMilliseconds:0.###} ms",
        _ => error.Message,
    };

    private static bool Stricter(FailureMode candidate, FailureMode current) =>
        Rank(candidate) > Rank(current);

    private static int Rank(FailureMode policy) => policy switch
    {
        FailureMode.FailClosed => 2,
        FailureMode.Local => 1,
        _ => 0,
    };

    private RateLimitResult DecideLocally(ReadOnlySpan<RateLimitRule> rules)
    {
        // Only the rules that asked for Local are decided; FailOpen rules have nothing to enforce.
        int count = 0;
        foreach (RateLimitRule rule in rules)
        {
            if ((rule.Policy.FailureMode ?? _options.Mode) == FailureMode.Local) count++;
        }

        var scaled = new RateLimitRule[count];
        var original = new RateLimitRule[count];
        int n = 0;
        foreach (RateLimitRule rule in rules)
        {
            if ((rule.Policy.FailureMode ?? _options.Mode) != FailureMode.Local) continue;
            original[n] = rule;
            scaled[n++] = new RateLimitRule(_share.For(rule.Policy), rule.Key, rule.Quantity);
        }

        RateLimitResult local = Local.CheckUnrecorded(scaled);
        int index = Array.FindIndex(scaled, r => ReferenceEquals(r.Policy, local.Rule.Policy) && r.Key == local.Rule.Key);

        // The result names the caller's rule; its Limit is the local one that was enforced.
        return new RateLimitResult(original[Math.Max(index, 0)], local.Limited, local.Limit, local.Remaining, local.RetryAfterNanoseconds, local.ResetAfterNanoseconds);
    }

    private static RateLimitResult Allow(in RateLimitRule rule)
    {
        long limit = rule.Policy.Limit;
        return new RateLimitResult(rule, false, limit, Math.Max(0, limit - rule.Quantity), RateLimitResult.NeverNanoseconds, 0);
    }

    private void Report(Exception error, FailureMode applied)
    {
        // Zero logs each decision in an entry of its own: without this, concurrent failures that
        // lost the race below would be merged into the winner's entry.
        if (_logIntervalTicks == 0)
        {
            if (_logger.IsEnabled(LogLevel.Warning)) Write(error, 1, applied);
            return;
        }

        Interlocked.Increment(ref _unreported);
        if (!_logger.IsEnabled(LogLevel.Warning)) return;
        long now = Stopwatch.GetTimestamp();
        long last = Volatile.Read(ref _lastLog);
        if (last != 0 && now - last < _logIntervalTicks) return;
        if (Interlocked.CompareExchange(ref _lastLog, now, last) != last) return;
        Write(error, Interlocked.Exchange(ref _unreported, 0), applied);
    }

    // A circuit-open failure has no stack or cause worth printing: its reason says it all.
    private void Write(Exception error, long decisions, FailureMode applied) =>
        Log.StoreUnavailable(_logger, Describe(error), decisions, applied, error is StoreCircuitOpenException ? null : error);
}

/// <summary>The store was not asked: the circuit breaker is open after repeated failures.</summary>
/// <remarks>
/// One per failed decision, never shared: FailClosed hands it to the caller as an InnerException,
/// whose <see cref="Exception.Data"/> the caller may write. It is created, not thrown, so it costs
/// one small allocation and no stack trace.
/// </remarks>
internal sealed class StoreCircuitOpenException : Exception
{
    public StoreCircuitOpenException()
        : base("The circuit breaker is open after repeated failures of the rate-limit store.")
    {
    }
}
