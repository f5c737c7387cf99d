extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA015CallThroughUnlimitedMemberTests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        AnalyzerVerifier<CallThroughUnlimitedMemberAnalyzer>.VerifyAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource) =>
        CodeFixVerifier<CallThroughUnlimitedMemberAnalyzer, CopyAttributeToBaseMemberCodeFix>.VerifyAsync(source, fixedSource);

    [Fact]
    public Task Call_through_an_interface_names_the_member_and_the_implementation() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            int Place(int userId);
        }

        public class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;
        }

        public static class Checkout
        {
            public static int Run(IOrders orders, Orders concrete) => {|#0:orders.Place(1)|} + concrete.Place(2);
        }
        """,
        new DiagnosticResult("RCA015", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("IOrders.Place(int)", "Orders.Place(int)"));

    [Fact]
    public Task Calls_through_abstract_virtual_generic_and_metadata_members_are_reported() => VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public abstract class Store
        {
            public abstract void Save(string id);
            public virtual void Load(string id) { }
        }

        public class RedisStore : Store
        {
            [RatePerSecond(10)]
            public override void Save(string id) { }

            [RatePerSecond(10)]
            public override void Load(string id) => base.Load(id);
        }

        public interface IRepository<T>
        {
            T Get(T id);
        }

        public class Numbers : IRepository<int>, IComparable<Numbers>
        {
            [RatePerSecond(10)]
            public int Get(int id) => id;

            [RatePerSecond(10)]
            public int CompareTo(Numbers? other) => 0;
        }

        public static class Use
        {
            public static void Run(Store store, IRepository<int> numbers, IComparable<Numbers> comparable, IRepository<string> strings)
            {
                {|RCA015:store.Save("a")|};
                {|RCA015:store.Load("a")|};
                {|RCA015:numbers.Get(1)|};
                {|RCA015:strings.Get("a")|};
                {|RCA015:comparable.CompareTo(null)|};
            }
        }
        """);

    [Fact]
    public Task Limited_members_partial_mode_and_unlimited_implementations_are_not_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            int Place(int userId);

            int Cancel(int orderId);

            int Count();
        }

        public partial class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;

            [RatePerSecond(5)]
            public partial int Cancel(int orderId);

            public partial int Cancel(int orderId) => CancelCore(orderId);

            private int CancelCore(int orderId) => orderId;

            public int Count() => 0;
        }

        public static class Use
        {
            public static int Run(IOrders orders) => orders.Place(1) + orders.Cancel(2) + orders.Count() + orders.GetHashCode();
        }
        """);

    [Fact]
    public Task Fix_annotates_the_member_once_for_all_its_calls() => VerifyFixAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            int Place(int id);
        }

        public class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;
        }

        public static class Checkout
        {
            public static int Run(IOrders orders) => {|RCA015:orders.Place(1)|} + {|RCA015:orders.Place(2)|};
        }
        """, """
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Throttle("user:{id}", 15, 30, 60)]
            int Place(int id);
        }

        public class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;
        }

        public static class Checkout
        {
            public static int Run(IOrders orders) => orders.Place(1) + orders.Place(2);
        }
        """);

    [Fact]
    public Task No_fix_for_a_member_in_metadata()
    {
        const string source = """
            using System;
            using RedisCell.Aspects;

            public class Numbers : IComparable<Numbers>
            {
                [RatePerSecond(10)]
                public int CompareTo(Numbers? other) => 0;

                public static int Compare(IComparable<Numbers> left) => {|RCA015:left.CompareTo(null)|};
            }
            """;
        return VerifyFixAsync(source, source);
    }

    [Fact]
    public Task Call_to_an_unattributed_implementation_or_override_of_a_limited_member_is_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface ICounter
        {
            [RatePerSecond(10)]
            void Inc();
        }

        public class Counter : ICounter
        {
            public void Inc() { }
        }

        public class Explicit : ICounter
        {
            void ICounter.Inc() { }
        }

        public class Base
        {
            [RatePerSecond(10)]
            public virtual void M() { }
        }

        public class Middle : Base
        {
            public override void M() { }
        }

        public sealed class Leaf : Middle
        {
            public override void M() { }
        }

        public static class Use
        {
            public static void Run(Counter c, Leaf leaf, Middle middle, ICounter i, Base b)
            {
                {|#0:c.Inc()|};
                {|#1:leaf.M()|};
                {|RCA015:middle.M()|};
                i.Inc();
                b.M();
            }
        }
        """,
        new DiagnosticResult("RCA015", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("Counter.Inc()", "ICounter.Inc()"),
        new DiagnosticResult("RCA015", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("Leaf.M()", "Base.M()"));

    [Fact]
    public Task Implementations_that_carry_the_attribute_too_are_not_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface ICounter
        {
            [RatePerSecond(10)]
            void Inc();
        }

        public class Counter : ICounter
        {
            [RatePerSecond(10)]
            public void Inc() { }

            public void Other() { }
        }

        public static class Use
        {
            public static void Run(Counter c) { c.Inc(); c.Other(); c.ToString(); }
        }
        """);

    [Fact]
    public Task Fix_copies_the_attribute_down_to_the_implementation() => VerifyFixAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Throttle("user:{id}", 15, 30, 60)]
            int Place(int id);
        }

        public class Orders : IOrders
        {
            public int Place(int userId) => userId;
        }

        public static class Checkout
        {
            public static int Run(Orders orders) => {|RCA015:orders.Place(1)|};
        }
        """, """
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Throttle("user:{id}", 15, 30, 60)]
            int Place(int id);
        }

        public class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;
        }

        public static class Checkout
        {
            public static int Run(Orders orders) => orders.Place(1);
        }
        """);
}
