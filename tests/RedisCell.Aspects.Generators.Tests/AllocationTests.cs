using System.Diagnostics;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RedisCell.Aspects.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// Keys are built without boxing: through a generated interceptor (compiled in Release), a key
/// made from an int, a Guid, an enum or a value whose text does not fit the builder's stack
/// scratch (a combination of flags, a long custom format) costs exactly the key string more than a call whose key is a constant.
/// </summary>
/// <remarks>
/// That holds for an optimized build of the runtime library, the one the package ships. Against a
/// Debug build (plain <c>dotnet test</c>) the key is still checked and the bytes are measured, but
/// the comparison is only reported in the test's output: see <see cref="RuntimeIsOptimized"/>.
/// </remarks>
[Collection(SharedLimiterCollection.Name)]
public sealed class AllocationTests(ITestOutputHelper output)
{
    private const string Source = """
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public enum Tier { Free, Gold }

        // All four: 71 characters, more than the builder's 64 on the stack.
        [Flags]
        public enum Permissions { ReadEverything = 1, WriteEverything = 2, DeleteEverything = 4, AdministerEverything = 8 }

        /// <summary>A value formatted into 100 characters: more than the builder's 64 on the stack.</summary>
        public readonly struct Sku : ISpanFormattable
        {
            public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
            {
                charsWritten = 0;
                if (destination.Length < 100) return false;
                destination.Slice(0, 100).Fill('s');
                charsWritten = 100;
                return true;
            }

            public string ToString(string? format, IFormatProvider? formatProvider) => new('s', 100);
        }

        public static class Api
        {
            // Far more than the test calls, on the fake clock that never moves. Without a key, the
            // key is a constant: the method's name.
            [RatePerSecond(100000000)] public static void Baseline() { }

            [RatePerSecond(100000000, Key = "k:{id}")] public static void ByInt(int id) { }

            [RatePerSecond(100000000, Key = "k:{id}")] public static void ByGuid(Guid id) { }

            [RatePerSecond(100000000, Key = "k:{tier}")] public static void ByTier(Tier tier) { }

            [RatePerSecond(100000000, Key = "k:{permissions}")] public static void ByPermissions(Permissions permissions) { }

            [RatePerSecond(100000000, Key = "k:{sku}")] public static void BySku(Sku sku) { }

            [RatePerSecond(100000000)] public static ValueTask<int> EchoAsync(int id) => new(id);
        }

        public sealed class Store
        {
            [RatePerSecond(100000000)] public ValueTask<int> GetAsync(int id, string region) => new(id + region.Length);
        }

        public interface IShelf
        {
            [RatePerSecond(100000000, Key = "shelf")] int Find(int id);

            [RatePerSecond(100000000, Key = "shelf")] ValueTask<int> FindAsync(int id);
        }

        public sealed partial class Shelf : IShelf
        {
            [RatePerSecond(100000000, Key = "shelf")] public partial int Find(int id);

            private int FindCore(int id) => id;

            [RatePerSecond(100000000, Key = "shelf")] public partial ValueTask<int> FindAsync(int id);

            private ValueTask<int> FindAsyncCore(int id) => new(id);
        }

        public static class Calls
        {
            private static readonly Guid s_guid = new("00000000-0000-0000-0000-000000000001");

            public static void Baseline() => Api.Baseline();
            public static void ByInt() => Api.ByInt(123456);
            public static void ByGuid() => Api.ByGuid(s_guid);
            public static void ByTier() => Api.ByTier(Tier.Gold);
            public static void ByPermissions() => Api.ByPermissions((Permissions)15);
            public static void BySku() => Api.BySku(default);

            // Awaitable, and admitted at once: the limiter's answer is not awaited.
            private static readonly Store s_store = new();
            public static void EchoAsync() => Api.EchoAsync(1).GetAwaiter().GetResult();
            public static void StoreGetAsync() => s_store.GetAsync(1, "eu").GetAwaiter().GetResult();

            // A partial-mode method called on its class, and through the interface member it implements.
            private static readonly Shelf s_shelf = new();
            private static readonly IShelf s_shelfInterface = s_shelf;
            public static void Find() => s_shelf.Find(1);
            public static void FindThroughInterface() => s_shelfInterface.Find(1);
            public static void FindAsync() => s_shelf.FindAsync(1).GetAwaiter().GetResult();
            public static void FindAsyncThroughInterface() => s_shelfInterface.FindAsync(1).GetAwaiter().GetResult();
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() =>
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source);
        return LoadedAssembly.Load(GeneratorHarness.RunClean(compilation.WithOptions(compilation.Options.WithOptimizationLevel(OptimizationLevel.Release))).Output);
    });

    [Theory]
    [InlineData("ByInt", "k:123456")]
    [InlineData("ByGuid", "k:00000000-0000-0000-0000-000000000001")]
    [InlineData("ByTier", "k:Gold")]
    [InlineData("ByPermissions", "k:ReadEverything, WriteEverything, DeleteEverything, AdministerEverything")]
    [InlineData("BySku", "k:ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss")]
    public async Task A_built_key_costs_only_its_string(string templated, string key)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(TestEngines.InProcess, Throttling.NewClock());
        Action build = s_consumer.Value.Method<Action>("Consumer.Calls", templated);
        Action constantKey = s_consumer.Value.Method<Action>("Consumer.Calls", "Baseline");

        long built = SteadyBytesPerCall(build);

        // Every call was counted under the expected key: the built key is that text exactly.
        Assert.Equal(CallsMeasured.ToString(System.Globalization.CultureInfo.InvariantCulture), ((InProcessCellLimiter)limiter).Inspect(key).Value);
        long baseline = SteadyBytesPerCall(constantKey);
        string measured = $"{templated}: {built} bytes a call against {baseline} with a constant key; only the key string ({StringBytes(key.Length)} bytes) should differ";
        output.WriteLine(measured);
        if (!RuntimeIsOptimized)
        {
            output.WriteLine(
                $"NOT CHECKED: {typeof(RateLimitKeyBuilder).Assembly.GetName().Name} was built without optimizations (a Debug build), " +
                "so the JIT keeps the boxing of value-type key arguments that it removes from an optimized build. " +
                "Run the tests with -c Release to check this figure.");
            return;
        }

        Assert.True(built - baseline == StringBytes(key.Length), measured);
    }

    [Theory]
    [InlineData("EchoAsync")]
    [InlineData("StoreGetAsync")]
    public async Task An_awaitable_call_admitted_at_once_costs_what_a_synchronous_one_does(string awaitable)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(TestEngines.InProcess, Throttling.NewClock());
        long bytes = SteadyBytesPerCall(s_consumer.Value.Method<Action>("Consumer.Calls", awaitable));
        long baseline = SteadyBytesPerCall(s_consumer.Value.Method<Action>("Consumer.Calls", "Baseline"));
        string measured = $"{awaitable}: {bytes} bytes a call against {baseline} for a synchronous call";
        output.WriteLine(measured);
        if (!RuntimeIsOptimized)
        {
            output.WriteLine($"NOT CHECKED: {typeof(RateLimitKeyBuilder).Assembly.GetName().Name} was built without optimizations (a Debug build).");
            return;
        }

        Assert.True(bytes == baseline, measured);
    }

    /// <summary>
    /// Through the interface, the interceptor builds its key and the partial body its own, to compare:
    /// marking, unmarking and the comparison allocate nothing more.
    /// </summary>
    [Theory]
    [InlineData("Find")]
    [InlineData("FindAsync")]
    public async Task An_interface_call_a_partial_body_skips_costs_only_the_interceptors_key(string direct)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(TestEngines.InProcess, Throttling.NewClock());
        long throughInterface = SteadyBytesPerCall(s_consumer.Value.Method<Action>("Consumer.Calls", direct + "ThroughInterface"));

        // Counted once a call: the body skipped what the interceptor decided.
        Assert.Equal(CallsMeasured.ToString(System.Globalization.CultureInfo.InvariantCulture), ((InProcessCellLimiter)limiter).Inspect("shelf").Value);
        long onTheClass = SteadyBytesPerCall(s_consumer.Value.Method<Action>("Consumer.Calls", direct));
        string measured = $"{direct}: {throughInterface} bytes a call through the interface against {onTheClass} on the class; only the interceptor's key ({StringBytes("shelf".Length)} bytes) should differ";
        output.WriteLine(measured);
        if (!RuntimeIsOptimized)
        {
            output.WriteLine($"NOT CHECKED: {typeof(RateLimitKeyBuilder).Assembly.GetName().Name} was built without optimizations (a Debug build).");
            return;
        }

        Assert.True(throughInterface - onTheClass == StringBytes("shelf".Length), measured);
    }

    /// <summary>
    /// Whether the runtime library was compiled with optimizations. A Debug build is marked
    /// <see cref="DebuggableAttribute"/> with the JIT optimizer disabled, and the JIT then compiles
    /// all of it unoptimized, <c>AggressiveOptimization</c> included: the value-type boxing that
    /// <see cref="RateLimitKeyBuilder.AppendFormatted{T}(T)"/> relies on the JIT to remove stays.
    /// </summary>
    private static bool RuntimeIsOptimized =>
        typeof(RateLimitKeyBuilder).Assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };

    /// <summary>
    /// The fewest bytes one call allocated, over rounds of calls after a warm-up: tiered compilation
    /// may still be replacing code during the first rounds.
    /// </summary>
    private const int Calls = 1000;
    private const int Rounds = 10;
    private const int CallsMeasured = (5 + Rounds) * Calls;

    private static long SteadyBytesPerCall(Action call)
    {
        for (int i = 0; i < 5 * Calls; i++) call();
        long fewest = long.MaxValue;
        for (int round = 0; round < Rounds; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++) call();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            fewest = Math.Min(fewest, bytes / Calls);
        }

        return fewest;
    }

    /// <summary>A string's size on a 64-bit runtime: header, method table, length, the characters and a terminator, in 8-byte steps.</summary>
    private static long StringBytes(int length) => (8 + 8 + 4 + (2 * (length + 1)) + 7) / 8 * 8;
}
