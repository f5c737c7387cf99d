using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// An interface member carrying the attribute (RCA014's fix) implemented by a partial-mode method
/// (RCA013's advice): a call through the interface is intercepted, and the partial body skips what
/// the interceptor decided, so each route costs one unit.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class CountedOnceBehaviourTests
{
    // Every limit on the orders is 2 calls (max_burst 1) per 60 s: one unit is 60 s of the key's life.
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public interface IOrders
        {
            [Throttle("get:{userId}", 1, 1, 60)]
            int Get(string userId);

            [Throttle("get-async:{userId}", 1, 1, 60)]
            Task<int> GetAsync(string userId);

            [Throttle("stream:{userId}", 1, 1, 60)]
            IAsyncEnumerable<int> StreamAsync(string userId);
        }

        public sealed partial class Orders : IOrders
        {
            public Orders? Inner;

            [Throttle("get:{userId}", 1, 1, 60)]
            public partial int Get(string userId);

            // A limited call the implementation makes itself is a call of its own.
            private int GetCore(string userId) => Inner?.Get(userId) ?? 1;

            [Throttle("get-async:{userId}", 1, 1, 60)]
            public partial Task<int> GetAsync(string userId);

            private async Task<int> GetAsyncCore(string userId) { await Task.Yield(); return 1; }

            [Throttle("stream:{userId}", 1, 1, 60)]
            public partial IAsyncEnumerable<int> StreamAsync(string userId);

            private async IAsyncEnumerable<int> StreamAsyncCore(string userId) { await Task.Yield(); yield return 1; }
        }

        // Implements the members without limiting itself: nothing takes the interceptor's mark.
        public sealed class PlainOrders : IOrders
        {
            public int Get(string userId) => 1;

            public Task<int> GetAsync(string userId) => Task.FromResult(1);

            public IAsyncEnumerable<int> StreamAsync(string userId) => throw new NotSupportedException();
        }

        public interface IReports
        {
            [Throttle("tenant:{tenant}", 1, 1, 60)]
            int Build(string tenant);

            [Throttle("export:{tenant}", 1, 1, 60)]
            [RatePerSecond(1000, Key = "exports")]
            int Export(string tenant);

            [Throttle("summary:{tenant}", 1, 1, 60)]
            int Summarize(string tenant);
        }

        public sealed partial class Reports : IReports
        {
            // A limit of its own (4 calls): both apply.
            [Throttle("report:{tenant}", 3, 1, 60)]
            public partial int Build(string tenant);

            private int BuildCore(string tenant) => 1;

            // Fewer rules than the interface's: all decided by the interceptor.
            [Throttle("export:{tenant}", 1, 1, 60)]
            public partial int Export(string tenant);

            private int ExportCore(string tenant) => 1;

            // A rule the interface lacks: the body asks for both of its rules.
            [Throttle("summary:{tenant}", 1, 1, 60)]
            [RatePerSecond(1000, Key = "summaries")]
            public partial int Summarize(string tenant);

            private int SummarizeCore(string tenant) => 1;
        }

        public static class Scenarios
        {
            private static Func<Task> Sync(Func<int> call) => () => { _ = call(); return Task.CompletedTask; };

            private static Func<Task> Enumerate(Func<IAsyncEnumerable<int>> call) => async () => { await foreach (int _ in call()) { } };

            public static Func<Task> Route(string route, string user)
            {
                var orders = new Orders();
                IOrders iface = orders;
                Func<string, int> get = iface.Get;
                Func<string, Task<int>> getAsync = iface.GetAsync;
                return route switch
                {
                    "Interface" => Sync(() => iface.Get(user)),
                    "Direct" => Sync(() => orders.Get(user)),
                    "MethodGroup" => Sync(() => get(user)),
                    "InterfaceAsync" => () => iface.GetAsync(user),
                    "DirectAsync" => () => orders.GetAsync(user),
                    "MethodGroupAsync" => () => getAsync(user),
                    "InterfaceStream" => Enumerate(() => iface.StreamAsync(user)),
                    "DirectStream" => Enumerate(() => orders.StreamAsync(user)),
                    _ => throw new ArgumentOutOfRangeException(nameof(route)),
                };
            }

            public static Func<Task> Nested(string user)
            {
                IOrders iface = new Orders { Inner = new Orders() };
                return Sync(() => iface.Get(user));
            }

            public static Func<Task> ThroughPlain(string user)
            {
                IOrders plain = new PlainOrders();
                return Sync(() => plain.Get(user));
            }

            public static Func<Task> Report(string member, bool throughInterface, string tenant)
            {
                var reports = new Reports();
                IReports iface = reports;
                return (member, throughInterface) switch
                {
                    ("Build", true) => Sync(() => iface.Build(tenant)),
                    ("Build", false) => Sync(() => reports.Build(tenant)),
                    ("Export", true) => Sync(() => iface.Export(tenant)),
                    ("Summarize", true) => Sync(() => iface.Summarize(tenant)),
                    _ => throw new ArgumentOutOfRangeException(nameof(member)),
                };
            }
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() => LoadedAssembly.Load(GeneratorHarness.RunClean(Source).Output));

    private static readonly TimeSpan s_minute = TimeSpan.FromSeconds(60);

    /// <summary>Each engine with each route: through the interface, on the class, through a method group made from the interface member; synchronous, awaitable, enumerated.</summary>
    public static TheoryData<string, string, string> EnginesAndRoutes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string engine in TestEngines.Engines())
        {
            foreach (string route in new[] { "Interface", "Direct", "MethodGroup" })
            {
                data.Add(engine, route, "get:");
                data.Add(engine, route + "Async", "get-async:");
            }

            // Decided when enumeration starts: the interceptor's wrapper decides, the body does not wrap.
            data.Add(engine, "InterfaceStream", "stream:");
            data.Add(engine, "DirectStream", "stream:");
        }

        return data;
    }

    public static TheoryData<string> Engines() => TestEngines.Engines();

    private static Func<Task> Route(string route, string user) =>
        s_consumer.Value.Method<Func<string, string, Func<Task>>>("Consumer.Scenarios", "Route")(route, user);

    private static Func<Task> Report(string member, bool throughInterface, string tenant) =>
        s_consumer.Value.Method<Func<string, bool, string, Func<Task>>>("Consumer.Scenarios", "Report")(member, throughInterface, tenant);

    [Theory]
    [MemberData(nameof(EnginesAndRoutes))]
    public async Task Each_route_consumes_one_unit(string engine, string route, string keyPrefix)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 2, s_minute, Route(route, route));
        Assert.Equal(keyPrefix + route, refused.Key);
    }

    /// <summary>Counted twice, the key would live two emission intervals (120 s) after one call.</summary>
    [Theory]
    [MemberData(nameof(EnginesAndRoutes))]
    public async Task One_call_leaves_the_key_one_emission_interval_to_live(string engine, string route, string keyPrefix)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        await Route(route, route)();
        TimeSpan ttl = await Throttling.TimeToLiveAsync(limiter, keyPrefix + route);
        Assert.InRange(ttl, s_minute - TimeSpan.FromSeconds(10), s_minute);
    }

    /// <summary>The interceptor's mark is taken by the body it reached, not by the limited call that body makes.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_limited_call_inside_the_implementation_is_counted(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        Func<Task> nested = s_consumer.Value.Method<Func<string, Func<Task>>>("Consumer.Scenarios", "Nested")("nested");
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 1, s_minute, nested);
        Assert.Equal("get:nested", refused.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_mark_no_body_took_ends_with_the_call(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        await s_consumer.Value.Method<Func<string, Func<Task>>>("Consumer.Scenarios", "ThroughPlain")("plain")();
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 1, s_minute, Route("Direct", "plain"));
        Assert.Equal("get:plain", refused.Key);
    }

    /// <summary>The interface's limit and the implementation's, on keys of their own, both apply: neither is skipped.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Different_limits_on_the_interface_and_the_implementation_both_apply(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException byInterface = await Throttling.AssertLimitedAfterAsync(engine, 2, s_minute, Report("Build", true, "acme"));
        Assert.Equal("tenant:acme", byInterface.Key);

        // The implementation's 4 calls: 2 spent through the interface.
        RateLimitExceededException byImplementation = await Throttling.AssertLimitedAfterAsync(engine, 2, s_minute, Report("Build", false, "acme"));
        Assert.Equal("report:acme", byImplementation.Key);
    }

    /// <summary>
    /// Export's rules are among the interface's: all decided by the interceptor, counted once (2
    /// calls). Summarize has a rule the interface lacks, so its body asks for both of its rules and
    /// the shared one counts again (1 call), as docs/attributes.md says.
    /// </summary>
    public static TheoryData<string, string, int, string> EnginesAndRuleSets()
    {
        var data = new TheoryData<string, string, int, string>();
        foreach (string engine in TestEngines.Engines())
        {
            data.Add(engine, "Export", 2, "export:acme");
            data.Add(engine, "Summarize", 1, "summary:acme");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EnginesAndRuleSets))]
    public async Task A_shared_rule_is_counted_once_when_the_implementation_has_no_rule_the_interface_lacks(string engine, string member, int allowed, string key)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, allowed, s_minute, Report(member, true, "acme"));
        Assert.Equal(key, refused.Key);
    }
}
