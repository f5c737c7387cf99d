using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RedisCell.Aspects;

/// <summary>
/// The library's metrics and traces: one <see cref="Meter"/> and one <see cref="ActivitySource"/>,
/// both named <see cref="Name"/>. Nothing is measured unless a listener (OpenTelemetry,
/// <c>dotnet-counters</c>, a <see cref="MeterListener"/>) subscribes.
/// </summary>
public static class CellTelemetry
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "RedisCell.Aspects";

    private static readonly string? s_version = typeof(CellTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource ActivitySource = new(Name, s_version);
    internal static readonly Meter Meter = new(Name, s_version);

    private static readonly Counter<long> s_decisions = Meter.CreateCounter<long>(
        "rediscell.limiter.decisions", "{decision}", "Rate-limit decisions, by policy and result (allowed or limited).");

    private static readonly Counter<long> s_errors = Meter.CreateCounter<long>(
        "rediscell.limiter.errors", "{error}", "Decisions the store could not make, by policy, error type and the failure policy applied.");

    private static readonly Histogram<double> s_duration = Meter.CreateHistogram<double>(
        "rediscell.limiter.decision.duration", "s", "How long a rate-limit decision took.");

    /// <summary>A timestamp to pass to <see cref="RecordDecision"/>, or 0 when nobody measures durations.</summary>
    internal static long StartTimestamp() => s_duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Counts one decision and, when measured, its duration.</summary>
    internal static void RecordDecision(in RateLimitResult result, string store, long startTimestamp)
    {
        if (s_decisions.Enabled)
        {
            s_decisions.Add(1, new TagList
            {
                { "rediscell.policy", result.Rule.Policy.ToString() },
                { "rediscell.result", result.Limited ? "limited" : "allowed" },
                { "rediscell.store", store },
            });
        }

        if (startTimestamp != 0)
        {
            s_duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new TagList
            {
                { "rediscell.result", result.Limited ? "limited" : "allowed" },
                { "rediscell.store", store },
            });
        }
    }

    /// <summary>Counts a decision the store could not make, and what was done instead.</summary>
    internal static void RecordError(RateLimitPolicy policy, string store, Exception error, RateLimiterFailurePolicy applied)
    {
        if (!s_errors.Enabled) return;
        s_errors.Add(1, new TagList
        {
            { "rediscell.policy", policy.ToString() },
            { "rediscell.store", store },
            { "error.type", error.GetType().FullName },
            { "rediscell.failure_policy", applied switch
                {
                    RateLimiterFailurePolicy.FailOpen => "fail_open",
                    RateLimiterFailurePolicy.FailClosed => "fail_closed",
                    _ => "local",
                }
            },
        });
    }
}
