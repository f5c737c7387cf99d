using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// A library with attributed methods, compiled with the generator to an image, and a consumer that
/// references the image (so it sees the methods as metadata, as it would a package's): interceptor
/// mode limits the consumer's calls only when the consumer runs the generator too; partial mode
/// limits them whatever the consumer does, directly, through an interface or a method group.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class CrossAssemblyBehaviourTests
{
    // Every limit is 3 calls (max_burst 2) per 60 s, as in the other behaviour tests.
    private const string Library = """
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Library;

        public static class Catalog
        {
            [Throttle("item:{id}", 2, 1, 60)]
            public static string Find(int id) => "item" + id;
        }

        public interface IOrders
        {
            Task<int> PlaceAsync(string user);
        }

        public sealed partial class Orders : IOrders
        {
            private int _placed;

            [Throttle("order:{user}", 2, 1, 60)]
            public partial Task<int> PlaceAsync(string user);

            private async Task<int> PlaceAsyncCore(string user)
            {
                await Task.Yield();
                return ++_placed;
            }
        }

        // RCA014's fix on the interface, RCA013's advice (partial mode) for the implementation.
        public interface IAccounts
        {
            [Throttle("account:{user}", 2, 1, 60)]
            int Get(string user);

            [Throttle("account-async:{user}", 2, 1, 60)]
            Task<int> GetAsync(string user);
        }

        public sealed partial class Accounts : IAccounts
        {
            [Throttle("account:{user}", 2, 1, 60)]
            public partial int Get(string user);

            private int GetCore(string user) => 1;

            [Throttle("account-async:{user}", 2, 1, 60)]
            public partial Task<int> GetAsync(string user);

            private async Task<int> GetAsyncCore(string user)
            {
                await Task.Yield();
                return 1;
            }
        }
        """;

    private const string Consumer = """
        using System;
        using System.Threading.Tasks;
        using Library;

        namespace Consumer;

        public static class Scenarios
        {
            private static readonly Orders s_orders = new();
            private static readonly IOrders s_interface = new Orders();

            public static Task Find() => Catalog.Find(7) == "item7" ? Task.CompletedTask : throw new InvalidOperationException("Find");

            public static Task Direct() => s_orders.PlaceAsync("direct");

            public static Task ThroughInterface() => s_interface.PlaceAsync("interface");

            public static Task ThroughMethodGroup()
            {
                Func<string, Task<int>> place = s_orders.PlaceAsync;
                return place("group");
            }

            private static readonly IAccounts s_accounts = new Accounts();

            public static Task AccountThroughInterface() => s_accounts.Get("interface") == 1 ? Task.CompletedTask : throw new InvalidOperationException("Get");

            public static Task AccountThroughInterfaceAsync() => s_accounts.GetAsync("interface");
        }
        """;

    private static readonly Lazy<byte[]> s_library = new(() => LoadedAssembly.Emit(GeneratorHarness.RunClean(Library).Output));

    private static readonly Lazy<(LoadedAssembly Loaded, GeneratorResult Result)> s_withGenerator = new(() =>
    {
        GeneratorResult result = GeneratorHarness.RunClean(GeneratorHarness.Compile([LibraryReference()], Consumer));
        return (LoadedAssembly.Load(s_library.Value, LoadedAssembly.Emit(result.Output)), result);
    });

    private static readonly Lazy<LoadedAssembly> s_withoutGenerator = new(() =>
        LoadedAssembly.Load(s_library.Value, LoadedAssembly.Emit(GeneratorHarness.Compile([LibraryReference()], Consumer))));

    private static readonly TimeSpan s_minute = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Engines() => TestEngines.Engines();

    private static MetadataReference LibraryReference() => MetadataReference.CreateFromImage(s_library.Value);

    private static Func<Task> Scenario(LoadedAssembly consumer, string name) => consumer.Method<Func<Task>>("Consumer.Scenarios", name);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Interceptor_mode_limits_a_consumer_that_runs_the_generator(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario(s_withGenerator.Value.Loaded, "Find"));
        Assert.Equal("item:7", refused.Key);
        Assert.Equal(3, refused.Limit);
    }

    /// <summary>What RCA016 warns of: the consumer's calls go straight to the method.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Interceptor_mode_does_not_limit_a_consumer_without_the_generator(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        Func<Task> find = Scenario(s_withoutGenerator.Value, "Find");
        for (int i = 0; i < 10; i++) await find();
    }

    /// <summary>Each engine with each way of calling: directly, through the interface, through a method-group delegate.</summary>
    public static TheoryData<string, string, string> EnginesAndCalls() =>
        EnginesWith(("Direct", "order:direct"), ("ThroughInterface", "order:interface"), ("ThroughMethodGroup", "order:group"));

    /// <summary>Each engine with each call of an attributed interface member, and the key it counts under.</summary>
    public static TheoryData<string, string, string> EnginesAndInterfaceCalls() =>
        EnginesWith(("AccountThroughInterface", "account:interface"), ("AccountThroughInterfaceAsync", "account-async:interface"));

    private static TheoryData<string, string, string> EnginesWith(params (string Scenario, string Key)[] calls)
    {
        var data = new TheoryData<string, string, string>();
        foreach (string engine in TestEngines.Engines())
        {
            foreach ((string scenario, string key) in calls) data.Add(engine, scenario, key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EnginesAndCalls))]
    public async Task Partial_mode_limits_a_consumer_without_the_generator(string engine, string scenario, string key)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario(s_withoutGenerator.Value, scenario));
        Assert.Equal(key, refused.Key);
    }

    /// <summary>
    /// A consumer that runs the generator does not intercept the library's partial-mode method (it
    /// carries the generator's [GeneratedCode]), so each call is counted once, not twice.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Partial_mode_is_counted_once_when_the_consumer_runs_the_generator_too(string engine)
    {
        (LoadedAssembly consumer, GeneratorResult result) = s_withGenerator.Value;
        string interceptors = Assert.Single(result.Sources).SourceText.ToString();
        Assert.Contains("Library.Catalog.Find(int)", interceptors, StringComparison.Ordinal);
        Assert.DoesNotContain("PlaceAsync", interceptors, StringComparison.Ordinal);
        Assert.Contains("Library.IAccounts.Get(string)", interceptors, StringComparison.Ordinal);

        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario(consumer, "Direct"));
        Assert.Equal("order:direct", refused.Key);
    }

    /// <summary>
    /// The consumer intercepts the call of the library's attributed interface member and marks what
    /// it decided under the member's id; the library's partial body, compiled apart, names the same
    /// id and skips the acquire: one unit a call, 3 calls.
    /// </summary>
    [Theory]
    [MemberData(nameof(EnginesAndInterfaceCalls))]
    public async Task An_interface_call_to_a_partial_implementation_in_another_assembly_is_counted_once(string engine, string scenario, string key)
    {
        (LoadedAssembly consumer, GeneratorResult result) = s_withGenerator.Value;
        string member = scenario.EndsWith("Async", StringComparison.Ordinal) ? "GetAsync" : "Get";
        Assert.Contains($"in __rule0, \"Library.IAccounts.{member}(string)\", null", Assert.Single(result.Sources).SourceText.ToString(), StringComparison.Ordinal);

        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario(consumer, scenario));
        Assert.Equal(key, refused.Key);
    }

    /// <summary>Counted twice, the key would live two emission intervals (120 s) after one call.</summary>
    [Theory]
    [MemberData(nameof(EnginesAndInterfaceCalls))]
    public async Task An_interface_call_to_a_partial_implementation_in_another_assembly_leaves_one_emission_interval(string engine, string scenario, string key)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        await Scenario(s_withGenerator.Value.Loaded, scenario)();
        Assert.InRange(await Throttling.TimeToLiveAsync(limiter, key), s_minute - TimeSpan.FromSeconds(10), s_minute);
    }
}
