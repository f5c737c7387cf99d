extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Keys;

public sealed class RCA021KeySharedByPoliciesTests
{
    private const string DifferentPolicy = "with a different policy; two policies on one key corrupt each other's state";

    private const string SameCall =
        "in the same call; the rules of one call are all decided from the state before it, so a fixed window counts the call twice and GCRA keeps only the last rule's charge: keep one of them";

    private static DiagnosticResult Shared(int markup, string key, string method, string others) =>
        new DiagnosticResult("RCA021", DiagnosticSeverity.Warning).WithLocation(markup).WithArguments(key, method, others, DifferentPolicy);

    private static DiagnosticResult Twice(int markup, string key, string method, string others) =>
        new DiagnosticResult("RCA021", DiagnosticSeverity.Warning).WithLocation(markup).WithArguments(key, method, others, SameCall);

    [Fact]
    public Task Two_policies_on_one_method_with_the_same_key() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle({|#0:"user:{userId}"|}, 15, 30, 60)]
            [TokenBudget({|#1:"user:{userId}"|}, 5000)]
            public static void Keyed(string userId) { }

            [{|#2:Gcra(10, 100, 60)|}]
            [{|#3:RatePerSecond(10)|}]
            public static void Keyless() { }
        }
        """,
        Shared(0, "user:{userId}", "Api.Keyed(string)", "[TokenBudget] on the same method"),
        Shared(1, "user:{userId}", "Api.Keyed(string)", "[Throttle] on the same method"),
        Shared(2, "Api.Keyless()", "Api.Keyless()", "[RatePerSecond] on the same method"),
        Shared(3, "Api.Keyless()", "Api.Keyless()", "[Gcra] on the same method"));

    [Fact]
    public Task Templates_of_the_same_shape_across_methods() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Orders
        {
            [Throttle({|#0:"user:{id}"|}, 15, 30, 60)]
            public static void Place(int id) { }
        }

        public static class Profiles
        {
            [Gcra(5, 10, 60, Key = {|#1:"user:<userId>"|})]
            public static void Update(string userId) { }

            [RatePerSecond(3, Key = {|#2:"user:{name}"|})]
            public static void Rename(string name) { }
        }
        """,
        Shared(0, "user:{id}", "Orders.Place(int)", "[Gcra] on 'Profiles.Update(string)' and [RatePerSecond] on 'Profiles.Rename(string)'"),
        Shared(1, "user:<userId>", "Profiles.Update(string)", "[RatePerSecond] on 'Profiles.Rename(string)' and [Throttle] on 'Orders.Place(int)'"),
        Shared(2, "user:{name}", "Profiles.Rename(string)", "[Gcra] on 'Profiles.Update(string)' and [Throttle] on 'Orders.Place(int)'"));

    [Fact]
    public Task A_hole_free_template_can_name_another_methods_default_key() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        namespace Shop
        {
            public static class Api
            {
                [{|#0:Gcra(15, 30, 60)|}]
                public static void Send(int id) { }

                [RatePerSecond(5, Key = {|#1:"Shop.Api.Send(int)"|})]
                public static void Other() { }
            }
        }
        """,
        Shared(0, "Shop.Api.Send(int)", "Api.Send(int)", "[RatePerSecond] on 'Api.Other()'"),
        Shared(1, "Shop.Api.Send(int)", "Api.Other()", "[Gcra] on 'Api.Send(int)'"));

    [Fact]
    public Task One_policy_twice_on_one_method_with_the_same_key() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            // Equal policies, one key: the call's two rules are decided from one state.
            [Gcra(15, 30, 60, Key = {|#0:"k"|})]
            [Throttle({|#1:"k"|}, 15, 30, 60)]
            public static void Gcra() { }

            [{|#2:RatePerSecond(10)|}]
            [{|#3:RatePerSecond(10)|}]
            public static void Window() { }

            // GCRA 15/30/60 and 15/60/120 store the same state: one policy, on one method.
            [Throttle({|#4:"user:{id}"|}, 15, 30, 60)]
            [Throttle({|#5:"user:{id}"|}, 15, 60, 120, Quantity = nameof(n))]
            public static void Scaled(int id, int n) { }
        }
        """,
        Twice(0, "k", "Api.Gcra()", "[Throttle] on the same method"),
        Twice(1, "k", "Api.Gcra()", "[Gcra] on the same method"),
        Twice(2, "Api.Window()", "Api.Window()", "[RatePerSecond] on the same method"),
        Twice(3, "Api.Window()", "Api.Window()", "[RatePerSecond] on the same method"),
        Twice(4, "user:{id}", "Api.Scaled(int, int)", "[Throttle] on the same method"),
        Twice(5, "user:{id}", "Api.Scaled(int, int)", "[Throttle] on the same method"));

    [Fact]
    public Task A_different_policy_is_named_before_a_repeated_one() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(15, 30, 60, Key = {|#0:"k"|})]
            [Throttle({|#1:"k"|}, 15, 30, 60)]
            [RatePerSecond(5, Key = {|#2:"k"|})]
            public static void Mixed() { }
        }
        """,
        Shared(0, "k", "Api.Mixed()", "[RatePerSecond] on the same method"),
        Shared(1, "k", "Api.Mixed()", "[RatePerSecond] on the same method"),
        Shared(2, "k", "Api.Mixed()", "[Gcra] on the same method and [Throttle] on the same method"));

    /// <summary>With the generator running, as in a build: the part it writes must not hide the method.</summary>
    [Fact]
    public Task Partial_mode_methods_are_compared_too() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyWithGeneratorAsync("""
        using RedisCell.Aspects;

        public partial class Api
        {
            [Throttle({|#0:"user:{id}"|}, 15, 30, 60)]
            public partial void Read(int id);

            private void ReadCore(int id) { }

            [RatePerSecond(10, Key = {|#1:"user:{userId}"|})]
            public static void Write(int userId) { }
        }
        """,
        Shared(0, "user:{id}", "Api.Read(int)", "[RatePerSecond] on 'Api.Write(int)'"),
        Shared(1, "user:{userId}", "Api.Write(int)", "[Throttle] on 'Api.Read(int)'"));

    [Fact]
    public Task Shared_budgets_and_distinct_keys_are_not_reported() => AnalyzerVerifier<KeySharedByPoliciesAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            // One policy on one key: a budget shared on purpose (GCRA 15/30/60 and 15/60/120 store the same state).
            [Throttle("user:{id}", 15, 30, 60)]
            public static void Read(int id) { }

            [Gcra(15, 60, 120, Key = "user:{userId}")]
            public static void Write(int userId) { }

            // Keys that differ in literal text or in where the values go.
            [Throttle("user:{id}:burst", 5, 10, 1)]
            [Throttle("user:{id}:daily", 0, 1000, 86400)]
            public static void Layered(int id) { }

            [RatePerSecond(10, Key = "{a}:{b}")]
            public static void Two(string a, string b) { }

            [RatePerSecond(20, Key = "{a}{b}")]
            public static void Adjacent(string a, string b) { }

            // Keyless attributes of different methods have different keys.
            [Gcra(1, 1, 1)]
            public static void First() { }

            [RatePerSecond(100)]
            public static void Second() { }

            // Same limit and window: one policy.
            [RatePerSecond(10, Key = "tenant:{t}")]
            public static void A(string t) { }

            [RatePerSecond(10, Key = "tenant:{t}")]
            public static void B(string t) { }

            // Different named limiters: different stores or prefixes.
            [Throttle("region:{r}", 15, 30, 60, Limiter = "eu")]
            public static void Europe(string r) { }

            [Throttle("region:{r}", 5, 10, 60, Limiter = "us")]
            public static void America(string r) { }

            // Rejected by the generator (RCA001), so not compared.
            [Gcra(-1, 1, 1, Key = "tenant:{t}")]
            public static void Invalid(string t) { }
        }
        """);
}
