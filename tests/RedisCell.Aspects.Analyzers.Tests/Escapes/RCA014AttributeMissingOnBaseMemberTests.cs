extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;
using RedisCell.Aspects.CodeFixes;

namespace RedisCell.Aspects.Analyzers.Tests.Escapes;

public sealed class RCA014AttributeMissingOnBaseMemberTests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        AnalyzerVerifier<AttributeMissingOnBaseMemberAnalyzer>.VerifyAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource) =>
        CodeFixVerifier<AttributeMissingOnBaseMemberAnalyzer, CopyAttributeToBaseMemberCodeFix>.VerifyAsync(source, fixedSource);

    [Fact]
    public Task Implicit_implementation_names_the_member_and_the_relation() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            int Place(int userId);
        }

        public class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int {|#0:Place|}(int userId) => userId;
        }
        """,
        new DiagnosticResult("RCA014", DiagnosticSeverity.Warning).WithLocation(0)
            .WithArguments("Orders.Place(int)", "IOrders.Place(int)", "implements"));

    [Fact]
    public Task Overrides_of_virtual_and_abstract_members_are_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public abstract class Store
        {
            public abstract void Save(string id);
            public virtual void Load(string id) { }
        }

        public class RedisStore : Store
        {
            [RatePerSecond(10)]
            public override void {|#0:Save|}(string id) { }

            [RatePerSecond(10)]
            public override void {|#1:Load|}(string id) { }
        }
        """,
        new DiagnosticResult("RCA014", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("RedisStore.Save(string)", "Store.Save(string)", "overrides"),
        new DiagnosticResult("RCA014", DiagnosticSeverity.Warning).WithLocation(1).WithArguments("RedisStore.Load(string)", "Store.Load(string)", "overrides"));

    [Fact]
    public Task Explicit_generic_and_metadata_members_are_reported() => VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public interface IRepository<T>
        {
            T Get(T id);
        }

        public class Numbers : IRepository<int>, IComparable<Numbers>
        {
            [RatePerSecond(10)]
            int IRepository<int>.{|RCA014:Get|}(int id) => id;

            [RatePerSecond(10)]
            public int {|RCA014:CompareTo|}(Numbers? other) => 0;
        }
        """);

    [Fact]
    public Task Limited_members_and_partial_mode_are_not_reported() => VerifyAsync("""
        using RedisCell.Aspects;

        public interface IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            int Place(int userId);

            int Cancel(int orderId);
        }

        public partial class Orders : IOrders
        {
            [Throttle("user:{userId}", 15, 30, 60)]
            public int Place(int userId) => userId;

            [RatePerSecond(5)]
            public partial int Cancel(int orderId);

            public partial int Cancel(int orderId) => CancelCore(orderId);

            private int CancelCore(int orderId) => orderId;

            public override string ToString() => "orders";
        }
        """);

    [Fact]
    public Task Fix_copies_the_attribute_with_the_member_parameter_names() => VerifyFixAsync("""
        using RedisCell.Aspects;

        public interface ITokens
        {
            /// <summary>Spends tokens.</summary>
            int Spend(string tenant, int count);
        }

        public class Tokens : ITokens
        {
            [TokenBudget("tenant:{user}:<user>", 5000, Cost = nameof(tokens))]
            [Throttle("spend:{user.Length}", 15, 30, 60, Quantity = "tokens")]
            public int {|RCA014:Spend|}(string user, int tokens) => tokens;
        }
        """, """
        using RedisCell.Aspects;

        public interface ITokens
        {
            /// <summary>Spends tokens.</summary>
            [TokenBudget("tenant:{tenant}:<tenant>", 5000, Cost = nameof(count))]
            [Throttle("spend:{tenant.Length}", 15, 30, 60, Quantity = "count")]
            int Spend(string tenant, int count);
        }

        public class Tokens : ITokens
        {
            [TokenBudget("tenant:{user}:<user>", 5000, Cost = nameof(tokens))]
            [Throttle("spend:{user.Length}", 15, 30, 60, Quantity = "tokens")]
            public int Spend(string user, int tokens) => tokens;
        }
        """);

    [Fact]
    public Task Fix_writes_out_the_default_key_so_both_methods_share_it() => VerifyFixAsync("""
        using RedisCell.Aspects;

        namespace Shop;

        public abstract class Store
        {
            [System.Obsolete("use SaveAsync")]
            public abstract void Save(string id);
        }

        public class RedisStore : Store
        {
            [Gcra(5, 10, 60, FailureMode = FailureMode.FailOpen)]
            [RatePerSecond(100, Key = "save")]
            public override void {|RCA014:Save|}(string id) { }
        }
        """, """
        using RedisCell.Aspects;

        namespace Shop;

        public abstract class Store
        {
            [System.Obsolete("use SaveAsync")]
            [Gcra(5, 10, 60, FailureMode = FailureMode.FailOpen, Key = "Shop.RedisStore.Save(string)")]
            [RatePerSecond(100, Key = "save")]
            public abstract void Save(string id);
        }

        public class RedisStore : Store
        {
            [Gcra(5, 10, 60, FailureMode = FailureMode.FailOpen)]
            [RatePerSecond(100, Key = "save")]
            public override void Save(string id) { }
        }
        """);

    [Fact]
    public Task Fix_reaches_a_member_in_another_document_and_adds_the_using()
    {
        var test = new CSharpCodeFixTest<AttributeMissingOnBaseMemberAnalyzer, CopyAttributeToBaseMemberCodeFix, DefaultVerifier>();
        test.TestState.Sources.Add(("/0/IOrders.cs", """
            // Orders contract.
            namespace Shop;

            public interface IOrders
            {
                int Place(int id);
            }
            """));
        test.TestState.Sources.Add(("/0/Orders.cs", """
            using RedisCell.Aspects;

            namespace Shop;

            public class Orders : IOrders
            {
                [Throttle("user:{id}", 15, 30, 60)]
                public int {|RCA014:Place|}(int id) => id;
            }
            """));
        test.FixedState.Sources.Add(("/0/IOrders.cs", """
            // Orders contract.
            using RedisCell.Aspects;

            namespace Shop;

            public interface IOrders
            {
                [Throttle("user:{id}", 15, 30, 60)]
                int Place(int id);
            }
            """));
        test.FixedState.Sources.Add(("/0/Orders.cs", """
            using RedisCell.Aspects;

            namespace Shop;

            public class Orders : IOrders
            {
                [Throttle("user:{id}", 15, 30, 60)]
                public int Place(int id) => id;
            }
            """));
        TestProject.Configure(test);
        return test.RunAsync();
    }

    [Fact]
    public Task No_fix_for_a_member_in_metadata()
    {
        const string source = """
            using System;
            using RedisCell.Aspects;

            public class Numbers : IComparable<Numbers>
            {
                [RatePerSecond(10)]
                public int {|RCA014:CompareTo|}(Numbers? other) => 0;
            }
            """;
        return VerifyFixAsync(source, source);
    }
}
