using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using RedisCell.Aspects.Gcra;

namespace RedisCell.Aspects.Telemetry;

/// <summary>
/// The library's metrics and traces: one <see cref="Meter"/> and one <see cref="ActivitySource"/>,
/// both named <see cref="Name"/>. Nothing is measured unless a listener (OpenTelemetry,
/// <c>dotnet-counters</c>, a <see cref="MeterListener"/> or an <see cref="ActivityListener"/>) subscribes.
/// </summary>
/// <remarks>
/// Instruments: <see cref="DecisionsMetric"/>, <see cref="ErrorsMetric"/> and
/// <see cref="DurationMetric"/>; every decision is also an <see cref="Activity"/> named
/// <see cref="DecisionActivity"/>. Tags such as <c>rediscell.decision.source</c> (who answered:
/// <c>store</c>, <c>deny_cache</c> or <c>failure_mode</c>) are listed in <c>docs/observability.md</c>.
/// Keys are never recorded: they usually hold user ids.
/// </remarks>
public static class CellTelemetry
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "RedisCell.Aspects";

    /// <summary>The counter of decisions: <c>rediscell.limiter.decisions</c>.</summary>
    public const string DecisionsMetric = "rediscell.limiter.decisions";

    /// <summary>The counter of decisions the store could not make: <c>rediscell.limiter.errors</c>.</summary>
    public const string ErrorsMetric = "rediscell.limiter.errors";

    /// <summary>The histogram of decision latency in seconds: <c>rediscell.limiter.decision.duration</c>.</summary>
    public const string DurationMetric = "rediscell.limiter.decision.duration";

    /// <summary>The operation name of the span around each decision: <c>rediscell.limiter.decision</c>.</summary>
    public const string DecisionActivity = "rediscell.limiter.decision";

    internal const string ResultAttribute = "rediscell.limiter.result";
    internal const string StoreAttribute = "rediscell.limiter.store";
    internal const string PolicyAttribute = "rediscell.policy.name";
    internal const string AlgorithmAttribute = "rediscell.policy.algorithm";
    internal const string FailureModeAttribute = "rediscell.limiter.failure_mode";
    internal const string SourceAttribute = "rediscell.decision.source";
    internal const string ErrorTypeAttribute = "error.type";
    internal const string RuleCountAttribute = "rediscell.rule.count";
    internal const string QuantityAttribute = "rediscell.quantity";
    internal const string LimitAttribute = "rediscell.limit";
    internal const string RemainingAttribute = "rediscell.remaining";
    internal const string RetryAfterAttribute = "rediscell.retry_after";
    internal const string ResetAfterAttribute = "rediscell.reset_after";

    private static readonly string? s_version = typeof(CellTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource ActivitySource = new(Name, s_version);
    internal static readonly Meter Meter = new(Name, s_version);

    private static readonly Counter<long> s_decisions = Meter.CreateCounter<long>(
        DecisionsMetric, "{decision}", "Rate-limit decisions, by policy and result (allowed or limited).");

    private static readonly Counter<long> s_errors = Meter.CreateCounter<long>(
        ErrorsMetric, "{error}", "Decisions the store could not make, by policy, error type and the failure policy applied.");

    private static readonly Histogram<double> s_duration = CreateDurationHistogram();

    /// <summary>True when anything listens: a decision then pays for a scope.</summary>
    internal static bool IsEnabled => s_decisions.Enabled || s_duration.Enabled || ActivitySource.HasListeners();

    /// <summary>A timestamp to pass to <see cref="RecordDecision"/>, or 0 when nobody measures durations.</summary>
    internal static long StartTimestamp() => s_duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>
    /// Starts measuring one decision: a span (when sampled) and a timestamp (when durations are measured).
    /// The span becomes <see cref="Activity.Current"/>, so callers in async code must start it inside an
    /// async method, which gives the caller back its own <see cref="Activity.Current"/> when it returns.
    /// </summary>
    internal static DecisionScope StartDecision(RateLimitPolicy policy, long quantity, int ruleCount, string store)
    {
        Activity? activity = ActivitySource.StartActivity(DecisionActivity, store == "redis" ? ActivityKind.Client : ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(PolicyAttribute, policy.ToString());
            activity.SetTag(AlgorithmAttribute, Algorithm(policy));
            activity.SetTag(StoreAttribute, store);
            if (ruleCount == 1) activity.SetTag(QuantityAttribute, quantity);
            else activity.SetTag(RuleCountAttribute, ruleCount);
        }

        return new DecisionScope(activity, StartTimestamp(), store, Algorithm(policy));
    }

    /// <summary>Counts one decision and, when measured, its duration.</summary>
    internal static void RecordDecision(in RateLimitResult result, string store, long startTimestamp)
    {
        string outcome = result.Limited ? "limited" : "allowed";
        string source = SourceName(result.Source);
        if (s_decisions.Enabled)
        {
            s_decisions.Add(1, new TagList
            {
                { ResultAttribute, outcome },
                { PolicyAttribute, result.Rule.Policy.ToString() },
                { AlgorithmAttribute, Algorithm(result.Rule.Policy) },
                { StoreAttribute, store },
                { SourceAttribute, source },
            });
        }

        if (startTimestamp != 0)
        {
            s_duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new TagList
            {
                { ResultAttribute, outcome },
                { AlgorithmAttribute, Algorithm(result.Rule.Policy) },
                { StoreAttribute, store },
                { SourceAttribute, source },
            });
        }
    }

    /// <summary>Counts a decision the store could not make, and what was done instead.</summary>
    internal static void RecordError(RateLimitPolicy policy, string store, Exception error, FailureMode applied)
    {
        if (!s_errors.Enabled) return;
        s_errors.Add(1, new TagList
        {
            { PolicyAttribute, policy.ToString() },
            { StoreAttribute, store },
            { ErrorTypeAttribute, error.GetType().FullName },
            { FailureModeAttribute, applied switch
                {
                    FailureMode.FailOpen => "fail_open",
                    FailureMode.FailClosed => "fail_closed",
                    _ => "local",
                }
            },
        });
    }

    private static string Algorithm(RateLimitPolicy policy) => policy is GcraPolicy ? "gcra" : "fixed_window";

    private static string SourceName(DecisionSource source) => source switch
    {
        DecisionSource.DenyCache => "deny_cache",
        DecisionSource.FailureMode => "failure_mode",
        _ => "store",
    };

    private static Histogram<double> CreateDurationHistogram()
    {
        const string description = "How long a rate-limit decision took.";
#if NET9_0_OR_GREATER
        // A Redis decision takes tens of microseconds to a few milliseconds; the exporters' default
        // boundaries (built for milliseconds) would put every decision in the first bucket.
        return Meter.CreateHistogram<double>(DurationMetric, "s", description, tags: null, advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        });
#else
        return Meter.CreateHistogram<double>(DurationMetric, "s", description);
#endif
    }

    /// <summary>One decision being measured; complete it with the result or fail it with the exception.</summary>
    internal readonly struct DecisionScope
    {
        private readonly Activity? _activity;
        private readonly long _started;
        private readonly string _store;
        private readonly string _algorithm;

        internal DecisionScope(Activity? activity, long started, string store, string algorithm)
        {
            _activity = activity;
            _started = started;
            _store = store;
            _algorithm = algorithm;
        }

        /// <summary>Records the decision and ends the span.</summary>
        public void Complete(in RateLimitResult result)
        {
            RecordDecision(result, _store, _started);
            Activity? activity = _activity;
            if (activity is null) return;
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(ResultAttribute, result.Limited ? "limited" : "allowed");
                activity.SetTag(SourceAttribute, SourceName(result.Source));
                activity.SetTag(PolicyAttribute, result.Rule.Policy.ToString());
                activity.SetTag(AlgorithmAttribute, Algorithm(result.Rule.Policy));
                activity.SetTag(LimitAttribute, result.Limit);
                activity.SetTag(RemainingAttribute, result.Remaining);
                activity.SetTag(ResetAfterAttribute, result.ResetAfter.TotalSeconds);
                if (result.Limited && result.RetryAfter >= TimeSpan.Zero) activity.SetTag(RetryAfterAttribute, result.RetryAfter.TotalSeconds);
            }

            activity.Stop();
        }

        /// <summary>Marks the span failed, records the duration with <c>error.type</c>, and ends the span.</summary>
        public void Fail(Exception error)
        {
            string errorType = error.GetType().FullName ?? error.GetType().Name;

            // Only the failure policy throws RateLimiterUnavailableException (FailClosed); any other
            // failure is the store's own answer, such as a key holding something else.
            string source = SourceName(error is RateLimiterUnavailableException ? DecisionSource.FailureMode : DecisionSource.Store);
            if (_started != 0)
            {
                s_duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new TagList
                {
                    { ErrorTypeAttribute, errorType },
                    { AlgorithmAttribute, _algorithm },
                    { StoreAttribute, _store },
                    { SourceAttribute, source },
                });
            }

            Activity? activity = _activity;
            if (activity is null) return;
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag(ErrorTypeAttribute, errorType);
            activity.SetTag(SourceAttribute, source);
#if NET9_0_OR_GREATER
            activity.AddException(error);
#endif
            activity.Stop();
        }
    }
}

/// <summary>Who answered a decision; see <see cref="RateLimitResult.Source"/>.</summary>
internal enum DecisionSource : byte
{
    /// <summary>The store: a round trip to Redis, or the in-process store itself.</summary>
    Store = 0,

    /// <summary>The Redis limiter's local deny cache, which refused without a round trip.</summary>
    DenyCache = 1,

    /// <summary>The failure policy, because the store could not decide.</summary>
    FailureMode = 2,
}
