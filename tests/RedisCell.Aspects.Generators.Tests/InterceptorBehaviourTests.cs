using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// Consumer code compiled in memory with the generator, loaded, and run against the in-process
/// limiter, Garnet and redis-server: each shape is allowed its limit, and the next call throws
/// <see cref="RateLimitExceededException"/> with the right retry-after.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class InterceptorBehaviourTests
{
    // Every limit is 3 calls (max_burst 2) per 60 s, so a slow machine cannot refill a token mid-test.
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public static class Api
        {
            [Gcra(2, 1, 60)]
            public static int Lookup(int id) => id * 2;

            [Gcra(2, 1, 60)]
            public static async Task SaveAsync(int id) { await Task.Yield(); }

            [Gcra(2, 1, 60)]
            public static async Task<int> LoadAsync(int id) { await Task.Yield(); return id + 1; }

            [Gcra(2, 1, 60)]
            public static ValueTask PingAsync() => default;

            [Gcra(2, 1, 60)]
            public static async ValueTask<string> EchoAsync(string text, CancellationToken cancellationToken) { await Task.Delay(1, cancellationToken); return text; }

            [Gcra(2, 1, 60)]
            public static async IAsyncEnumerable<int> CountAsync(int to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                for (int i = 1; i <= to; i++) { await Task.Yield(); yield return i; }
            }

            [Gcra(2, 1, 60)]
            public static bool TryParse(string text, out int value) => int.TryParse(text, out value);

            [Gcra(2, 1, 60)]
            public static void Bump(ref int value) => value++;

            [Gcra(2, 1, 60)]
            public static T Identity<T>(T value) => value;

            [Gcra(2, 1, 60)]
            public static string Describe(int value) => "int";

            [Gcra(2, 1, 60)]
            public static string Describe(string value) => "string";

            // A burst of 5 (max_burst 4), charged n a call.
            [Gcra(4, 1, 60, Quantity = nameof(n))]
            public static void Take(int n) { }

            [Throttle("in:{point.X}", 2, 1, 60)]
            public static int Measure(in Point point) => point.X + point.Y;

            // Not async (async methods cannot take 'in'), but awaitable: the limiter is awaited and the value copied.
            [Gcra(2, 1, 60)]
            public static Task<int> MeasureAsync(in Point point) => Task.FromResult(point.X * point.Y);

            // What RCA021 warns of: one key twice in one call.
            [RatePerSecond(10, Key = "twice:window")]
            [RatePerSecond(10, Key = "twice:window")]
            public static void WindowTwice() { }

            [Gcra(2, 1, 60, Key = "twice:gcra")]
            [Throttle("twice:gcra", 2, 1, 60)]
            public static void GcraTwice() { }

            [Throttle("multi:{user}", 2, 1, 60)]
            [TokenBudget("multi-tokens:{user}", 10, Cost = nameof(tokens))]
            public static int Complete(string user, int tokens) => tokens;
        }

        public readonly record struct Point(int X, int Y);

        public static class Lookups
        {
            // A key made of one value: an empty id must still give a key.
            [Throttle("{id}", 2, 1, 60)]
            public static string ById(string id) => "found " + id;
        }

        public sealed class Accounts
        {
            public int Calls;

            [Throttle("user:{userId}", 2, 1, 60)]
            public string Get(int userId) { Calls++; return "user" + userId; }
        }

        public sealed class Box<T>
        {
            public Box(T value) => Value = value;
            public T Value { get; }

            [Gcra(2, 1, 60)]
            public T Open() => Value;
        }

        public static class Extensions
        {
            [Gcra(2, 1, 60)]
            public static int Twice(this int value) => value * 2;
        }

        public interface IGreeter
        {
            [Throttle("greet:{name}", 2, 1, 60)]
            string Greet(string name);
        }

        public sealed class Greeter : IGreeter
        {
            public string Greet(string name) => "hello " + name;
        }

        public struct Counter
        {
            public int Count;

            [Gcra(2, 1, 60)]
            public void Increment() => Count++;
        }

        public static class Scenarios
        {
            private static readonly Accounts s_accounts = new();

            private static void Check(bool condition, string what) { if (!condition) throw new InvalidOperationException(what); }

            public static Task StaticSync() { Check(Api.Lookup(21) == 42, "Lookup"); return Task.CompletedTask; }

            public static Task InstanceSync() { Check(s_accounts.Get(7) == "user7", "Get"); return Task.CompletedTask; }

            public static Task OtherUser() { Check(s_accounts.Get(8) == "user8", "Get"); return Task.CompletedTask; }

            public static Task TaskShape() => Api.SaveAsync(1);

            public static async Task TaskOfTShape() => Check(await Api.LoadAsync(1) == 2, "LoadAsync");

            public static async Task ValueTaskShape() => await Api.PingAsync();

            public static async Task ValueTaskOfTShape() => Check(await Api.EchoAsync("x", CancellationToken.None) == "x", "EchoAsync");

            public static IAsyncEnumerable<int> StartCounting() => Api.CountAsync(3);

            public static async Task Enumerate(IAsyncEnumerable<int> numbers)
            {
                int sum = 0;
                await foreach (int n in numbers) sum += n;
                Check(sum == 6, "CountAsync");
            }

            public static Task CountWithCancelledCall() => Enumerate(Api.CountAsync(3, new CancellationToken(canceled: true)));

            public static async Task CountWithCancelledEnumerator()
            {
                await foreach (int _ in Api.CountAsync(3).WithCancellation(new CancellationToken(canceled: true))) { }
            }

            public static Task CountInFull() => Enumerate(Api.CountAsync(3, new CancellationTokenSource().Token));

            public static Func<int, Task> Take() => n => { Api.Take(n); return Task.CompletedTask; };

            public static Task InParameter() { var point = new Point(3, 4); Check(Api.Measure(in point) == 7, "Measure"); return Task.CompletedTask; }

            public static async Task InParameterAsync() { var point = new Point(3, 4); Check(await Api.MeasureAsync(in point) == 12, "MeasureAsync"); }

            public static Task WindowTwice() { Api.WindowTwice(); return Task.CompletedTask; }

            public static Task GcraTwice() { Api.GcraTwice(); return Task.CompletedTask; }

            public static Task OutParameter() { Check(Api.TryParse("12", out int value) && value == 12, "TryParse"); return Task.CompletedTask; }

            public static Task RefParameter() { int x = 1; Api.Bump(ref x); Check(x == 2, "Bump"); return Task.CompletedTask; }

            public static Task GenericMethod() { Check(Api.Identity("a") == "a" && Api.Identity(5) == 5, "Identity"); return Task.CompletedTask; }

            public static Task GenericType() { Check(new Box<int>(4).Open() == 4, "Box"); return Task.CompletedTask; }

            public static Task Extension() { Check(3.Twice() == 6, "Twice"); return Task.CompletedTask; }

            public static Task Interface() { IGreeter greeter = new Greeter(); Check(greeter.Greet("ann") == "hello ann", "Greet"); return Task.CompletedTask; }

            public static Task StructReceiver() { var counter = new Counter(); counter.Increment(); Check(counter.Count == 1, "Increment"); return Task.CompletedTask; }

            public static Task EmptyId() { Check(Lookups.ById("") == "found ", "ById"); return Task.CompletedTask; }

            public static Task OverloadInt() { Check(Api.Describe(1) == "int", "Describe(int)"); return Task.CompletedTask; }

            public static Task OverloadString() { Check(Api.Describe("s") == "string", "Describe(string)"); return Task.CompletedTask; }

            public static Func<int, Task> Complete(string user) => tokens => { Check(Api.Complete(user, tokens) == tokens, "Complete"); return Task.CompletedTask; };

            public static int AccountCalls => s_accounts.Calls;
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() => LoadedAssembly.Load(GeneratorHarness.RunClean(Source).Output));

    private static readonly TimeSpan s_minute = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Engines() => TestEngines.Engines();

    private static Func<Task> Scenario(string name) => s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", name);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Static_sync_method_is_limited_under_its_full_name(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("StaticSync"));
        Assert.Equal("Consumer.Api.Lookup(int)", refused.Key);
        Assert.Equal(3, refused.Limit);

        // From the limiter straight to the user's call: the interceptor's frame is hidden.
        Assert.Contains("Consumer.Scenarios.StaticSync", refused.StackTrace);
        Assert.DoesNotContain("RateLimitInterceptors", refused.StackTrace);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Instance_method_is_limited_per_key_and_a_refused_call_does_not_run(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        int before = s_consumer.Value.Assembly.GetType("Consumer.Scenarios")!.GetProperty("AccountCalls")!.GetValue(null) is int n ? n : -1;
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("InstanceSync"));
        Assert.Equal("user:7", refused.Key);
        int after = (int)s_consumer.Value.Assembly.GetType("Consumer.Scenarios")!.GetProperty("AccountCalls")!.GetValue(null)!;
        Assert.Equal(before + 3, after);

        // Another user has a budget of its own.
        await Scenario("OtherUser")();
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Task_returning_method_is_limited(string engine) =>
        await AssertShapeAsync(engine, "TaskShape", "Consumer.Api.SaveAsync(int)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Task_of_T_returning_method_is_limited(string engine) =>
        await AssertShapeAsync(engine, "TaskOfTShape", "Consumer.Api.LoadAsync(int)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ValueTask_returning_method_is_limited(string engine) =>
        await AssertShapeAsync(engine, "ValueTaskShape", "Consumer.Api.PingAsync()");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ValueTask_of_T_returning_method_is_limited(string engine) =>
        await AssertShapeAsync(engine, "ValueTaskOfTShape", "Consumer.Api.EchoAsync(string, System.Threading.CancellationToken)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Async_enumerable_is_checked_when_enumeration_starts(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        var start = s_consumer.Value.Method<Func<IAsyncEnumerable<int>>>("Consumer.Scenarios", "StartCounting");
        var enumerate = s_consumer.Value.Method<Func<IAsyncEnumerable<int>, Task>>("Consumer.Scenarios", "Enumerate");

        // Calls that are never enumerated consume nothing.
        for (int i = 0; i < 5; i++) _ = start();

        IAsyncEnumerable<int> numbers = start();
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, () => enumerate(numbers));
        Assert.Equal("Consumer.Api.CountAsync(int, System.Threading.CancellationToken)", refused.Key);
    }

    /// <summary>
    /// The wait for the limiter honours the method's own token argument as well as the
    /// enumerator's: a cancelled enumeration throws before the limiter is asked, and consumes nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Async_enumerable_wait_honours_the_call_token_and_the_enumerator_token(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(Scenario("CountWithCancelledCall"));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(Scenario("CountWithCancelledEnumerator"));
        }

        // A token that can be cancelled but is not: the whole budget is still there.
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("CountInFull"));
        Assert.Equal("Consumer.Api.CountAsync(int, System.Threading.CancellationToken)", refused.Key);
    }

    /// <summary>
    /// Quantity = nameof(n) charges n: a burst of 5 takes 3 then 2, and the next 2 must wait two
    /// emission intervals; 0 only reads, before and after the budget is spent.
    /// </summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Quantity_parameter_charges_its_value_and_zero_only_reads(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        Func<int, Task> take = s_consumer.Value.Method<Func<Func<int, Task>>>("Consumer.Scenarios", "Take")();

        for (int i = 0; i < 10; i++) await take(0);
        await take(3);
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 1, TimeSpan.FromSeconds(120), () => take(2));
        Assert.Equal("Consumer.Api.Take(int)", refused.Key);
        Assert.Equal(5, refused.Limit);

        await take(0);
        RateLimitExceededException one = await Assert.ThrowsAsync<RateLimitExceededException>(() => take(1));
        if (engine == TestEngines.InProcess) Assert.Equal(s_minute, one.RetryAfter);
        else Assert.InRange(one.RetryAfter, s_minute - TimeSpan.FromSeconds(10), s_minute);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task In_parameter_method_is_limited_with_a_key_read_through_it(string engine) =>
        await AssertShapeAsync(engine, "InParameter", "in:3");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Awaitable_in_parameter_method_awaits_the_limiter_and_gets_the_value(string engine) =>
        await AssertShapeAsync(engine, "InParameterAsync", "Consumer.Api.MeasureAsync(in Consumer.Point)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Out_parameter_method_is_limited_and_still_assigns(string engine) =>
        await AssertShapeAsync(engine, "OutParameter", "Consumer.Api.TryParse(string, out int)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Ref_parameter_method_is_limited_and_still_writes_through(string engine) =>
        await AssertShapeAsync(engine, "RefParameter", "Consumer.Api.Bump(ref int)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Generic_method_shares_one_key_across_type_arguments(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        Func<Task> call = Scenario("GenericMethod");

        // Each scenario call makes two calls (string and int): the third is refused on its second call.
        await call();
        RateLimitExceededException refused = await Assert.ThrowsAsync<RateLimitExceededException>(call);
        Assert.Equal("Consumer.Api.Identity<T>(T)", refused.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Method_of_generic_type_is_limited(string engine) =>
        await AssertShapeAsync(engine, "GenericType", "Consumer.Box<T>.Open()");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Extension_method_is_limited(string engine) =>
        await AssertShapeAsync(engine, "Extension", "Consumer.Extensions.Twice(int)");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Interface_member_carrying_the_attribute_is_limited(string engine) =>
        await AssertShapeAsync(engine, "Interface", "greet:ann");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Struct_method_is_limited_and_mutates_the_callers_variable(string engine) =>
        await AssertShapeAsync(engine, "StructReceiver", "Consumer.Counter.Increment()");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Overloads_have_keys_of_their_own(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("OverloadInt"));
        Assert.Equal("Consumer.Api.Describe(int)", refused.Key);
        await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("OverloadString"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Several_attributes_are_decided_together_and_a_refused_call_consumes_nothing(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        var complete = s_consumer.Value.Method<Func<string, Func<int, Task>>>("Consumer.Scenarios", "Complete")("ann");

        await complete(4);
        await complete(4);

        // 4 more tokens would exceed the budget of 10: refused by the budget, so the GCRA rule keeps its third call.
        RateLimitExceededException budget = await Assert.ThrowsAsync<RateLimitExceededException>(() => complete(4));
        Assert.Equal("multi-tokens:ann", budget.Key);

        await complete(2);

        // Now the GCRA rule is spent (3 calls), whatever the cost.
        RateLimitExceededException gcra = await Assert.ThrowsAsync<RateLimitExceededException>(() => complete(0));
        Assert.Equal("multi:ann", gcra.Key);
        if (engine == TestEngines.InProcess) Assert.Equal(s_minute, gcra.RetryAfter);
        else Assert.InRange(gcra.RetryAfter, s_minute - TimeSpan.FromSeconds(10), s_minute);
    }

    /// <summary>
    /// RCA021's reason for reporting one key twice on a method: a call's rules are decided from the
    /// state before it, then all written, so a window of 10 counts every call after the first twice
    /// (6 calls pass), while two equal GCRA rules write the same arrival time (3 calls pass, as one).
    /// </summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task One_key_twice_in_a_call_counts_a_window_twice_and_gcra_once(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException window = await Throttling.AssertFixedWindowAsync(engine, 6, TimeSpan.FromSeconds(1), Scenario("WindowTwice"));
        Assert.Equal("twice:window", window.Key);
        RateLimitExceededException gcra = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("GcraTwice"));
        Assert.Equal("twice:gcra", gcra.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task An_empty_value_that_is_the_whole_key_is_limited_like_any_other(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario("EmptyId"));
        Assert.Equal(RateLimitKey.EmptyKey, refused.Key);
    }

    private static async Task AssertShapeAsync(string engine, string scenario, string key)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, Scenario(scenario));
        Assert.Equal(key, refused.Key);
    }
}
