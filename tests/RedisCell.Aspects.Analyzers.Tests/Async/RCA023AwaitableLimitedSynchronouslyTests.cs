extern alias Generators;

using Generators::RedisCell.Aspects.Generators.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.Async;

public sealed class RCA023AwaitableLimitedSynchronouslyTests
{
    // With the generator: partial-mode methods need the part it writes.
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        AnalyzerVerifier<AwaitableLimitedSynchronouslyAnalyzer>.VerifyWithGeneratorAsync(source, expected);

    private static DiagnosticResult Synchronous(int markup, string method, string returnType, string reasons) =>
        new DiagnosticResult("RCA023", DiagnosticSeverity.Info).WithLocation(markup).WithArguments(method, returnType, reasons);

    [Fact]
    public Task By_reference_and_ref_struct_parameters_are_reported_with_the_reason() => VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public static class Api
        {
            [Gcra(10, 100, 1)]
            public static Task<int> {|#0:BumpAsync|}(ref int value) => Task.FromResult(++value);

            [Gcra(10, 100, 1)]
            public static ValueTask {|#1:TryLoadAsync|}(int id, out string name) { name = ""; return default; }

            [RatePerSecond(10)]
            public static Task {|#2:ReadAsync|}(ref readonly long offset, ReadOnlySpan<byte> header) => Task.CompletedTask;

            [RatePerSecond(10)]
            public static ValueTask<int> {|#3:MeasureAsync|}<T>(T value) where T : allows ref struct => new(1);
        }
        """,
        Synchronous(0, "Api.BumpAsync(int)", "Task<int>", "parameter 'value' is passed by 'ref'"),
        Synchronous(1, "Api.TryLoadAsync(int, string)", "ValueTask", "parameter 'name' is passed by 'out'"),
        Synchronous(2, "Api.ReadAsync(long, ReadOnlySpan<byte>)", "Task",
            "parameter 'offset' is passed by 'ref readonly'; parameter 'header' is of the ref struct type 'ReadOnlySpan<byte>'"),
        Synchronous(3, "Api.MeasureAsync<T>(T)", "ValueTask<int>", "parameter 'value' is of type 'T', which allows ref structs"));

    [Fact]
    public Task Struct_receivers_are_reported_in_both_modes() => VerifyAsync("""
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public partial struct Counter
        {
            public int Count;

            [Gcra(5, 10, 1)]
            public Task {|#0:IncrementAsync|}() { Count++; return Task.CompletedTask; }

            [Gcra(5, 10, 1)]
            public partial ValueTask<int> {|#1:PeekAsync|}();

            private ValueTask<int> PeekAsyncCore() => new(Count);
        }
        """,
        Synchronous(0, "Counter.IncrementAsync()", "Task", "it is a member of the struct 'Counter', whose receiver is passed by reference"),
        Synchronous(1, "Counter.PeekAsync()", "ValueTask<int>", "it is a member of the struct 'Counter', whose receiver is passed by reference"));

    [Fact]
    public Task Methods_that_await_the_limiter_and_synchronous_methods_are_not_reported() => VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public partial class Api
        {
            // Awaited: values, 'in' (copied into the helper) and a CancellationToken.
            [Gcra(10, 100, 1)]
            public static Task<int> LoadAsync(int id, in Guid tenant, CancellationToken cancellationToken) => Task.FromResult(id);

            [Gcra(10, 100, 1)]
            public partial ValueTask SaveAsync(string name);

            private ValueTask SaveAsyncCore(string name) => default;

            // Synchronous methods are meant to decide synchronously.
            [Gcra(10, 100, 1)]
            public static void Bump(ref int value) => value++;

            [Gcra(10, 100, 1)]
            public static int Sum(ReadOnlySpan<int> values) => values.Length;

            // The call happens at once; the limiter is awaited when enumeration starts.
            [Gcra(10, 100, 1)]
            public static IAsyncEnumerable<int> Stream(ref int start) => Empty();

            private static async IAsyncEnumerable<int> Empty() { await Task.Yield(); yield break; }

            // Not rate limited.
            public static Task<int> PlainAsync(ref int value) => Task.FromResult(value);

            // Rejected by the generator (RCA008): its error, not this.
            [Gcra(10, 100, 1)]
            private static Task {|RCA008:HiddenAsync|}(ref int value) => Task.CompletedTask;
        }
        """);
}
