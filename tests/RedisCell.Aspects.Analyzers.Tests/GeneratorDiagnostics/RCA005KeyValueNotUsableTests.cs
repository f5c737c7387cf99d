using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA005KeyValueNotUsableTests
{
    [Fact]
    public Task Ref_structs_out_parameters_and_pointers_are_errors() => GeneratorDiagnosticVerifier.VerifyUnsafeAsync("""
        using System;
        using RedisCell.Aspects;

        public unsafe struct Native { public int* Address; }

        public static class Api
        {
            [{|#0:Throttle("s:{bytes}", 15, 30, 60)|}]
            public static void RefStruct(ReadOnlySpan<byte> bytes) { }

            [{|RCA005:Throttle("o:{result}", 15, 30, 60)|}]
            public static void Out(out int result) => result = 1;

            [{|RCA005:Throttle("p:{native.Address}", 15, 30, 60)|}]
            public static void Pointer(Native native) { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA005", DiagnosticSeverity.Error, 0)
            .WithArguments("s:{bytes}", "Api.RefStruct(ReadOnlySpan<byte>)", "bytes", "is a ref struct; only ReadOnlySpan<char> and Span<char> can be written into a key"));

    [Fact]
    public Task Char_spans_ref_and_in_parameters_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System;
        using RedisCell.Aspects;

        public static class Api
        {
            [Throttle("{name}:{buffer}", 15, 30, 60)]
            public static void Spans(ReadOnlySpan<char> name, Span<char> buffer) { }

            [Throttle("{counter}:{mode}", 15, 30, 60)]
            public static void ByRef(ref int counter, in int mode) { }

            [Throttle("{bytes.Length}", 15, 30, 60)]
            public static void MemberOfRefStruct(ReadOnlySpan<byte> bytes) { }
        }
        """);

    [Fact]
    public Task Type_parameters_that_allow_ref_structs_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public static class Api
        {
            [{|#0:Throttle("v:{value}", 15, 30, 60)|}]
            public static void Generic<T>(T value) where T : allows ref struct { }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA005", DiagnosticSeverity.Error, 0)
            .WithArguments("v:{value}", "Api.Generic<T>(T)", "value", "may be a ref struct ('allows ref struct'); only ReadOnlySpan<char> and Span<char> can be written into a key"));
}
