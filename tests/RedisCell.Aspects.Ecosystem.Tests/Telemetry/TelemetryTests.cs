using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisCell.Aspects.Ecosystem.Tests.Telemetry;

/// <summary>The meter and activity source named RedisCell.Aspects, read as OpenTelemetry would read them.</summary>
public sealed class TelemetryTests
{
    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task DecisionsAreCountedByPolicyAndResultAndTimed(string engine)
    {
        var policy = new GcraPolicy(1, 1, 71);
        using var store = new RedisCellLimiter(await Servers.ConnectionAsync(engine), Servers.Options(Servers.UniquePrefix("metrics")));
        using var measurements = new Measurements(policy.ToString());

        var rule = new RateLimitRule(policy, "k");
        store.Check(rule);
        await store.CheckAsync(rule);
        store.Check(rule);

        Assert.Equal(3, measurements.Decisions.Count);
        Assert.Equal(2, measurements.Decisions.Count(d => d["rediscell.limiter.result"] as string == "allowed"));
        Assert.Equal(1, measurements.Decisions.Count(d => d["rediscell.limiter.result"] as string == "limited"));
        Assert.All(measurements.Decisions, d =>
        {
            Assert.Equal("gcra", d["rediscell.policy.algorithm"]);
            Assert.Equal("redis", d["rediscell.limiter.store"]);
        });

        // OpenTelemetry naming: no attribute name is also the namespace of another (rediscell.policy vs rediscell.policy.algorithm).
        string[] names = [.. measurements.Decisions.SelectMany(d => d.Keys).Concat(measurements.Durations.SelectMany(d => d.Tags.Keys)).Distinct()];
        Assert.Contains("rediscell.policy.name", names);
        Assert.All(names, name => Assert.DoesNotContain(names, other => other.StartsWith(name + ".", StringComparison.Ordinal)));

        Assert.Equal(3, measurements.Durations.Count);
        Assert.All(measurements.Durations, d => Assert.True(d.Seconds > 0 && d.Seconds < 30, $"{d.Seconds} s"));
        Assert.All(measurements.Durations, d => Assert.Equal("redis", d.Tags["rediscell.limiter.store"]));
    }

    [Fact]
    public void TheInstrumentsFollowOpenTelemetryNaming()
    {
        var published = new ConcurrentDictionary<string, Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == CellTelemetry.Name) published[instrument.Name] = instrument;
            },
        };
        listener.Start();

        Assert.Equal("{decision}", published[CellTelemetry.DecisionsMetric].Unit);
        Assert.IsType<Counter<long>>(published[CellTelemetry.DecisionsMetric]);
        Assert.Equal("{error}", published[CellTelemetry.ErrorsMetric].Unit);
        Assert.IsType<Counter<long>>(published[CellTelemetry.ErrorsMetric]);
        Assert.Equal("s", published[CellTelemetry.DurationMetric].Unit);
        Assert.IsType<Histogram<double>>(published[CellTelemetry.DurationMetric]);
        Assert.All(published.Keys, name => Assert.Matches("^rediscell(\\.[a-z_]+)+$", name));
    }

    [Fact]
    public void TheDurationHistogramAdvisesMicrosecondBucketsFromTheNet9AssetOn()
    {
        Instrument? duration = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == CellTelemetry.Name && instrument.Name == CellTelemetry.DurationMetric) duration = instrument;
            },
        };
        listener.Start();
        Assert.NotNull(duration);

        // Read by reflection: the runtime (10 for both builds) has the property whichever asset created the instrument.
        object? advice = duration.GetType().GetProperty("Advice")?.GetValue(duration);
#if NET9_0_OR_GREATER
        var boundaries = (IReadOnlyList<double>?)advice?.GetType().GetProperty("HistogramBucketBoundaries")?.GetValue(advice);
        Assert.NotNull(boundaries);
        Assert.Equal((0.00005, 5.0), (boundaries[0], boundaries[^1]));
#else
        // The net8.0 asset cannot give advice: docs/observability.md shows the view that sets the buckets.
        Assert.Null(advice);
#endif
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task EachDecisionIsASpanUnderTheCallersActivity(string engine)
    {
        var policy = new GcraPolicy(0, 1, 72);
        using var store = new RedisCellLimiter(await Servers.ConnectionAsync(engine), Servers.Options(Servers.UniquePrefix("spans")));
        using var spans = new Spans();
        using var request = new ActivitySource("test.request");
        using var requestListener = new ActivityListener { ShouldListenTo = s => s.Name == "test.request", Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData };
        ActivitySource.AddActivityListener(requestListener);

        using (Activity? parent = request.StartActivity("GET /orders"))
        {
            Assert.NotNull(parent);
            RateLimitResult allowed = await store.CheckAsync(new RateLimitRule(policy, "k"));
            Assert.Same(parent, Activity.Current);
            store.Check(new RateLimitRule(policy, "k"));
            Assert.Same(parent, Activity.Current);

            Assert.True(allowed.Allowed);
            Assert.Equal(2, spans.Stopped.Count);
            Assert.All(spans.Stopped, span =>
            {
                Assert.Equal(CellTelemetry.DecisionActivity, span.OperationName);
                Assert.Equal(ActivityKind.Client, span.Kind);
                Assert.Same(parent, span.Parent);
                Assert.Equal(policy.ToString(), span.GetTagItem("rediscell.policy.name"));
                Assert.Equal("gcra", span.GetTagItem("rediscell.policy.algorithm"));
                Assert.Equal("redis", span.GetTagItem("rediscell.limiter.store"));
                Assert.Equal(1L, span.GetTagItem("rediscell.limit"));
                Assert.Equal(ActivityStatusCode.Unset, span.Status);
            });
        }

        Activity refused = spans.Stopped.Last();
        Assert.Equal("limited", refused.GetTagItem("rediscell.limiter.result"));
        Assert.Equal(0L, refused.GetTagItem("rediscell.remaining"));
        Assert.InRange((double)refused.GetTagItem("rediscell.retry_after")!, 60, 72);
        Assert.Equal("allowed", spans.Stopped.First().GetTagItem("rediscell.limiter.result"));
        Assert.Null(spans.Stopped.First().GetTagItem("rediscell.retry_after"));
        Assert.All(spans.Stopped, span => Assert.DoesNotContain(span.TagObjects, t => Equals(t.Value, "k") || (t.Value as string)?.EndsWith(":k") == true));
    }

    [Theory]
    [MemberData(nameof(Servers.All), MemberType = typeof(Servers))]
    public async Task AFailedDecisionMarksItsSpanAndIsTimedWithItsErrorType(string engine)
    {
        string prefix = Servers.UniquePrefix("failed");
        ConnectionMultiplexer connection = await Servers.ConnectionAsync(engine);
        await connection.GetDatabase().HashSetAsync(prefix + "not-a-tat", "field", "value");
        await connection.GetDatabase().KeyExpireAsync(prefix + "not-a-tat", TimeSpan.FromMinutes(5));
        using var store = new RedisCellLimiter(connection, Servers.Options(prefix));
        var policy = new GcraPolicy(1, 1, 73);
        using var spans = new Spans();
        using var measurements = new Measurements(policy.ToString());

        await Assert.ThrowsAsync<RedisCellException>(async () => await store.CheckAsync(new RateLimitRule(policy, "not-a-tat")));
        Assert.Throws<RedisCellException>(() => store.Check(new RateLimitRule(policy, "not-a-tat")));

        Assert.Null(Activity.Current);
        Assert.Equal(2, spans.Stopped.Count);
        Assert.All(spans.Stopped, span =>
        {
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Equal(typeof(RedisCellException).FullName, span.GetTagItem("error.type"));
#if NET9_0_OR_GREATER
            Assert.Contains(span.Events, e => e.Name == "exception");
#else
            // Activity.AddException arrived in .NET 9; the net8.0 asset records the error without the event.
            Assert.DoesNotContain(span.Events, e => e.Name == "exception");
#endif
        });
        Assert.Empty(measurements.Decisions);
        Assert.Equal(2, measurements.Durations.Count(d => d.Tags.TryGetValue("error.type", out object? type) && (string?)type == typeof(RedisCellException).FullName));
    }

    [Fact]
    public async Task AnswersTheDenyCacheOrTheFailurePolicyGaveAreToldApartFromTheStores()
    {
        // The deny cache: once Redis says the key is at its limit, the next refusal is made in process.
        var policy = new GcraPolicy(0, 1, 74);
        using (var store = new RedisCellLimiter(await Servers.ConnectionAsync(Servers.Default), Servers.Options(Servers.UniquePrefix("source"))))
        using (var measurements = new Measurements(policy.ToString()))
        using (var spans = new Spans())
        {
            var rule = new RateLimitRule(policy, "k");
            Assert.True(store.Check(rule).Allowed);
            Assert.True(store.Check(rule).Limited);
            Assert.True((await store.CheckAsync(rule)).Limited);

            List<Dictionary<string, object?>> decisions = [.. measurements.Decisions];
            Assert.Equal(3, decisions.Count);
            Assert.Contains(decisions, d => (string?)d["rediscell.limiter.result"] == "allowed" && (string?)d["rediscell.decision.source"] == "store");
            Assert.Contains(decisions, d => (string?)d["rediscell.decision.source"] == "deny_cache");
            Assert.Contains(measurements.Durations, d => (string?)d.Tags["rediscell.decision.source"] == "deny_cache");
            Assert.Equal("store", spans.Stopped[0].GetTagItem("rediscell.decision.source"));
            Assert.Equal("deny_cache", spans.Stopped[^1].GetTagItem("rediscell.decision.source"));
        }

        // The failure policy: nothing listens on the port, so no decision reaches a store.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var open = new GcraPolicy(0, 1, 75) { FailureMode = FailureMode.FailOpen };
        var closed = new GcraPolicy(0, 1, 76) { FailureMode = FailureMode.FailClosed };
        await using RedisCellLimiter down = await RedisCellLimiter.ConnectAsync($"127.0.0.1:{port},connectTimeout=200", new RedisCellOptions { Failure = { Timeout = TimeSpan.FromMilliseconds(100) } });
        using var openMeasurements = new Measurements(open.ToString());
        using var failed = new Spans();
        using var durations = new Measurements(closed.ToString());

        Assert.True((await down.CheckAsync(new RateLimitRule(open, "k"))).Allowed);
        Assert.Equal("failure_mode", Assert.Single(openMeasurements.Decisions)["rediscell.decision.source"]);
        await Assert.ThrowsAsync<RateLimiterUnavailableException>(async () => await down.CheckAsync(new RateLimitRule(closed, "k")));

        Assert.Equal(2, failed.Stopped.Count);
        Assert.All(failed.Stopped, span => Assert.Equal("failure_mode", span.GetTagItem("rediscell.decision.source")));
        Assert.All(durations.Durations, d => Assert.Equal("failure_mode", d.Tags["rediscell.decision.source"]));
        Assert.Equal(2, durations.Durations.Count);
    }

    /// <summary>Decisions and durations measured under one policy (durations are tagged by algorithm, so they are matched by time window).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Measurements(string policy)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CellTelemetry.Name) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            {
                Dictionary<string, object?> map = ToMap(tags);
                if (instrument.Name == CellTelemetry.DecisionsMetric && map.GetValueOrDefault("rediscell.policy.name") as string == policy) Decisions.Add(map);
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (instrument.Name == CellTelemetry.DurationMetric) Durations.Add((value, ToMap(tags)));
            });
            _listener.Start();
        }

        public ConcurrentBag<Dictionary<string, object?>> Decisions { get; } = [];

        public ConcurrentBag<(double Seconds, Dictionary<string, object?> Tags)> Durations { get; } = [];

        public void Dispose() => _listener.Dispose();

        private static Dictionary<string, object?> ToMap(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags) map[tag.Key] = tag.Value;
            return map;
        }
    }

    private sealed class Spans : IDisposable
    {
        private readonly ActivityListener _listener;

        public Spans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == CellTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity => Stopped.Add(activity),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> Stopped { get; } = [];

        public void Dispose() => _listener.Dispose();
    }
}
