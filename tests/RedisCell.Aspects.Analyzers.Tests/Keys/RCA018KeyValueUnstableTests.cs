extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Keys;

public sealed class RCA018KeyValueUnstableTests
{
    [Fact]
    public Task Values_that_write_their_type_name_are_reported() => AnalyzerVerifier<KeyValueUnstableAnalyzer>.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using RedisCell.Aspects;

        public sealed class Customer { public string Id { get; set; } = ""; public Address Home { get; set; } = new(); }
        public struct Address { public string City; }
        public interface ITenant { string Name { get; } }

        public static class Api
        {
            [Throttle({|RCA018:"c:{customer}"|}, 15, 30, 60)]
            public static void ByClass(Customer customer) { }

            [Throttle({|RCA018:"a:{customer.Home}"|}, 15, 30, 60)]
            public static void ByStructMember(Customer customer) { }

            [Throttle({|RCA018:"o:{value}"|}, 15, 30, 60)]
            public static void ByObject(object value) { }

            [Throttle({|RCA018:"t:{tenant}"|}, 15, 30, 60)]
            public static void ByInterface(ITenant tenant) { }

            [Throttle({|RCA018:"d:{callback}"|}, 15, 30, 60)]
            public static void ByDelegate(Action callback) { }

            [Throttle({|RCA018:"i:{ids}"|}, 15, 30, 60)]
            public static void ByArray(int[] ids) { }

            [Gcra(15, 30, 60, Key = {|RCA018:"l:{names}"|})]
            public static void ByList(List<string> names) { }

            [TokenBudget({|RCA018:"e:{names}"|}, 5000)]
            public static void BySequence(IEnumerable<string> names) { }

            [Throttle({|RCA018:"s:{address}"|}, 15, 30, 60)]
            public static void ByNullableStruct(Address? address) { }
        }
        """);

    /// <summary>With the generator running, as in a build: the part it writes must not hide the method.</summary>
    [Fact]
    public Task A_partial_mode_method_is_reported_once() => AnalyzerVerifier<KeyValueUnstableAnalyzer>.VerifyWithGeneratorAsync("""
        using RedisCell.Aspects;

        public sealed class Customer { public string Id { get; set; } = ""; }

        public partial class Api
        {
            [Throttle({|RCA018:"c:{customer}"|}, 15, 30, 60)]
            public partial void ByClass(Customer customer);

            private void ByClassCore(Customer customer) { }
        }
        """);

    [Fact]
    public Task Generated_record_text_is_reported_but_a_written_one_is_not() => AnalyzerVerifier<KeyValueUnstableAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public sealed record User(string Id, string ApiSecret);
        public readonly record struct Point(int X, int Y);
        public sealed record Tenant(string Name) { public override string ToString() => Name; }

        public static class Api
        {
            [Throttle({|RCA018:"u:{user}"|}, 15, 30, 60)]
            public static void ByRecord(User user) { }

            [Throttle({|RCA018:"p:{point}"|}, 15, 30, 60)]
            public static void ByRecordStruct(Point point) { }

            [Throttle("t:{tenant}:{user.Id}", 15, 30, 60)]
            public static void ByWrittenToStringAndMember(Tenant tenant, User user) { }
        }
        """);

    [Fact]
    public Task Message_names_the_value_its_type_and_why() => AnalyzerVerifier<KeyValueUnstableAnalyzer>.VerifyAsync("""
        using RedisCell.Aspects;

        public sealed class Customer { }

        public static class Api
        {
            [Throttle({|#0:"c:{customer}"|}, 15, 30, 60)]
            public static void M(Customer customer) { }
        }
        """,
        new DiagnosticResult("RCA018", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning)
            .WithLocation(0)
            .WithArguments("c:{customer}", "Api.M(Customer)", "customer", "Customer", "does not override ToString, so every value writes the type name and all callers share one key"));

    [Fact]
    public Task Values_with_a_stable_text_are_not_reported() => AnalyzerVerifier<KeyValueUnstableAnalyzer>.VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public enum Plan { Free, Pro }
        public sealed class Sku { public override string ToString() => "sku"; }
        public sealed class Premium : SkuBase { }
        public abstract class SkuBase { public override string ToString() => "base"; }
        public sealed class Money : IFormattable { public string ToString(string? format, IFormatProvider? provider) => "1"; }
        public sealed class Order { public Guid Id { get; set; } public int? Line { get; set; } }

        public static class Api
        {
            [Throttle("{s}:{i}:{l}:{g}:{p}:{d}:{o}:{c}:{b}:{ni}:{ng}", 15, 30, 60)]
            public static void Scalars(string s, int i, long l, Guid g, Plan p, DateTime d, DateTimeOffset o, char c, bool b, int? ni, Guid? ng) { }

            [Throttle("{span}:{chars}", 15, 30, 60)]
            public static void Spans(ReadOnlySpan<char> span, Span<char> chars) { }

            [Throttle("{sku}:{premium}:{money}:{order.Id}:{order.Line}:{nullable}", 15, 30, 60)]
            public static void Overrides(Sku sku, Premium premium, Money money, Order order, string? nullable) { }

            [Throttle("{formattable}:{tuple}:{u}:{t}", 15, 30, 60)]
            public static void Other<T>(IFormattable formattable, (int, string) tuple, Uri u, T t) { }

            [Throttle("{missing}:{order.Missing}", 15, 30, 60)]
            public static void UnknownPathsAreTheGeneratorsToReport(Order order) { }
        }
        """);
}
