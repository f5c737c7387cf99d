using System.Reflection;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// Partial mode: the generator implements the partial method, so every caller is limited, even
/// through reflection or a delegate, which no interceptor sees.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class PartialModeBehaviourTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        namespace Consumer;

        public sealed record Order(string Tenant, Customer? Customer, int Items);

        public sealed record Customer(int Id);

        public partial class Orders
        {
            public int Placed;

            [Throttle("tenant:{order.Tenant}:{{customer:<order.Customer.Id>}}", 2, 1, 60)]
            public partial Task<int> PlaceAsync(Order order, CancellationToken cancellationToken);

            private async Task<int> PlaceAsyncCore(Order order, CancellationToken cancellationToken)
            {
                await Task.Yield();
                return ++Placed;
            }

            [TokenBudget("tokens:{user}", 100, Cost = nameof(tokens))]
            public static partial string Complete(string user, int tokens);

            private static string CompleteCore(string user, int tokens) => user + tokens;

            [Gcra(2, 1, 60)]
            public partial IAsyncEnumerable<int> StreamAsync(int count);

            private async IAsyncEnumerable<int> StreamAsyncCore(int count)
            {
                for (int i = 0; i < count; i++) { await Task.Yield(); yield return i; }
            }

            [RatePerSecond(3)]
            internal partial void Tick(ref int ticks);

            private void TickCore(ref int ticks) => ticks++;
        }

        public static class Scenarios
        {
            public static readonly Orders Orders = new();

            public static Func<Task> Place(string tenant, int? customer) =>
                () => Orders.PlaceAsync(new Order(tenant, customer is null ? null : new Customer(customer.Value), 1), CancellationToken.None);

            public static Func<int, Task> Complete(string user) => tokens => { _ = Orders.Complete(user, tokens); return Task.CompletedTask; };

            public static async Task Stream() { int n = 0; await foreach (int _ in Orders.StreamAsync(2)) n++; if (n != 2) throw new InvalidOperationException(); }

            public static Task Tick() { int ticks = 0; Orders.Tick(ref ticks); if (ticks != 1) throw new InvalidOperationException(); return Task.CompletedTask; }
        }
        """;

    private static readonly Lazy<LoadedAssembly> s_consumer = new(() => LoadedAssembly.Load(GeneratorHarness.RunClean(Source).Output));

    private static readonly TimeSpan s_minute = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Engines() => TestEngines.Engines();

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Partial_method_is_limited_with_a_member_chain_key_and_a_hash_tag(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        var place = s_consumer.Value.Method<Func<string, int?, Func<Task>>>("Consumer.Scenarios", "Place");

        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, place("acme:eu", 42));
        Assert.Equal("tenant:acme%3Aeu:{customer:42}", refused.Key);

        // A null link in the chain is written as the null marker, not a NullReferenceException.
        RateLimitExceededException anonymous = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, place("acme:eu", null));
        Assert.Equal("tenant:acme%3Aeu:{customer:%N}", anonymous.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Reflection_and_delegates_go_through_the_limiter_too(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        object orders = s_consumer.Value.Assembly.GetType("Consumer.Scenarios")!.GetField("Orders")!.GetValue(null)!;
        Type orderType = s_consumer.Value.Assembly.GetType("Consumer.Order")!;
        MethodInfo place = orders.GetType().GetMethod("PlaceAsync")!;
        object order = Activator.CreateInstance(orderType, "reflection", null, 1)!;

        Func<Task> call = () => (Task)place.Invoke(orders, [order, CancellationToken.None])!;
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(engine, 3, s_minute, call);
        Assert.Equal("tenant:reflection:{customer:%N}", refused.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Token_budget_charges_the_cost_parameter(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        var complete = s_consumer.Value.Method<Func<string, Func<int, Task>>>("Consumer.Scenarios", "Complete")("bob");

        await complete(60);
        await complete(40);
        RateLimitExceededException refused = await Assert.ThrowsAsync<RateLimitExceededException>(() => complete(1));
        Assert.Equal("tokens:bob", refused.Key);
        Assert.Equal(100, refused.Limit);
        if (engine == TestEngines.InProcess) Assert.Equal(s_minute, refused.RetryAfter);
        else Assert.InRange(refused.RetryAfter, s_minute - TimeSpan.FromSeconds(10), s_minute);

        // A negative cost is the caller's bug: refused before anything is asked.
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => complete(-1));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Partial_async_enumerable_is_checked_when_enumeration_starts(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        RateLimitExceededException refused = await Throttling.AssertLimitedAfterAsync(
            engine, 3, s_minute, s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", "Stream"));
        Assert.Equal("Consumer.Orders.StreamAsync(int)", refused.Key);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Partial_rate_per_second_with_a_ref_parameter_is_limited(string engine)
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(engine, Throttling.NewClock());
        Func<Task> tick = s_consumer.Value.Method<Func<Task>>("Consumer.Scenarios", "Tick");
        RateLimitExceededException refused = await Throttling.AssertFixedWindowAsync(engine, 3, TimeSpan.FromSeconds(1), tick);
        Assert.Equal("Consumer.Orders.Tick(ref int)", refused.Key);
    }
}
