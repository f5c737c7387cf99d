using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA004KeyTemplateUnknownMemberTests
{
    [Fact]
    public Task Missing_static_write_only_and_hidden_members_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public class Order
        {
            public int Id { get; set; }
            public static int Shared { get; set; }
            public int WriteOnly { set { } }
            private int Secret = 0;
            public int this[int i] => i;
            public int Peek() => Secret;
        }

        public static class Api
        {
            [{|#0:Throttle("o:{order.Missing}", 15, 30, 60)|}]
            public static void Missing(Order order) { }

            [{|RCA004:Throttle("o:{order.Shared}", 15, 30, 60)|}]
            public static void Static(Order order) { }

            [{|RCA004:Throttle("o:{order.WriteOnly}", 15, 30, 60)|}]
            public static void WriteOnly(Order order) { }

            [{|RCA004:Throttle("o:{order.Secret}", 15, 30, 60)|}]
            public static void Private(Order order) { }

            [{|RCA004:Throttle("o:{order.Id.Nope}", 15, 30, 60)|}]
            public static void Deeper(Order order) { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA004", DiagnosticSeverity.Error, 0)
            .WithArguments("o:{order.Missing}", "Api.Missing(Order)", "order.Missing", "Order", "Missing"));

    [Fact]
    public Task Fields_properties_inherited_interface_and_constraint_members_are_found() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public interface ITenant { string Name { get; } }
        public class Entity { public long Id { get; init; } }
        public sealed class Customer : Entity, ITenant
        {
            public string Name => "n";
            public readonly string Region = "eu";
            internal string Code { get; } = "c";
        }

        public static class Api
        {
            [Throttle("{customer.Id}:{customer.Region}:{customer.Code}:{customer.Name.Length}", 15, 30, 60)]
            public static void Members(Customer customer) { }

            [Throttle("{tenant.Name}", 15, 30, 60)]
            public static void Interface(ITenant tenant) { }

            [Throttle("{value.Name}", 15, 30, 60)]
            public static void Constraint<T>(T value) where T : ITenant { }

            // A path reads through Nullable<T>: members are those of T.
            [Throttle("{when.Year}", 15, 30, 60)]
            public static void NullableValue(System.DateTime? when) { }
        }
        """);
}
