using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

/// <summary>
/// RCA020 is reported by the generator (it is the one that writes the call to Core). The method is
/// then left unimplemented, so the compiler's CS8795 stands beside it.
/// </summary>
public sealed class RCA020PartialCoreSignatureMismatchTests
{
    // The compiler's CS8795 sorts first at the same span, so each expectation lists it first.
    private static DiagnosticResult[] Mismatch(int markup, string method, string core, string difference) =>
    [
        DiagnosticResult.CompilerError("CS8795").WithLocation(markup).WithArguments(method),
        new DiagnosticResult("RCA020", DiagnosticSeverity.Error).WithLocation(markup).WithArguments(method, core, difference),
    ];

    [Fact]
    public Task Each_kind_of_difference_is_described() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial int {|#0:Types|}(int id, long total);
            private int TypesCore(int id, int total) => id;

            [Gcra(5, 10, 1)]
            public partial void {|#1:Count|}(int id);
            private void CountCore() { }

            [Gcra(5, 10, 1)]
            public partial void {|#2:RefKinds|}(ref int id);
            private void RefKindsCore(int id) { }

            [Gcra(5, 10, 1)]
            public partial int {|#3:Returns|}(int id);
            private void ReturnsCore(int id) { }

            [Gcra(5, 10, 1)]
            public partial void {|#4:Statics|}();
            private static void StaticsCore() { }

            [Gcra(5, 10, 1)]
            public partial void {|#5:Generic|}<T>(T value);
            private void GenericCore(object value) { }

            [Gcra(5, 10, 1)]
            public partial Task<int> {|#6:Awaited|}();
            private ValueTask<int> AwaitedCore() => new(1);

            [Gcra(5, 10, 1)]
            public partial void {|#7:Nullable|}(string? name);
            private void NullableCore(string name) { }

            // Would bind, but Core is the body moved: its signature is the method's.
            [Gcra(5, 10, 1)]
            public partial void {|#8:Widened|}(int size);
            private void WidenedCore(long size) { }

            [Gcra(5, 10, 1)]
            public partial void {|#9:Optional|}(int id);
            private void OptionalCore(int id, int retries = 3) { }

            [Gcra(5, 10, 1)]
            public partial void {|#10:Discarded|}(int id);
            private int DiscardedCore(int id) => id;

            [Gcra(5, 10, 1)]
            public partial void {|#11:InParameter|}(int id);
            private void InParameterCore(in int id) { }
        }
        """,
        [
            .. Mismatch(0, "Reports.Types(int, long)", "Reports.TypesCore(int, int)", "parameter 2 is 'int', expected 'long'"),
            .. Mismatch(1, "Reports.Count(int)", "Reports.CountCore()", "it has 0 parameters, expected 1"),
            .. Mismatch(2, "Reports.RefKinds(ref int)", "Reports.RefKindsCore(int)", "parameter 1 is 'int', expected 'ref int'"),
            .. Mismatch(3, "Reports.Returns(int)", "Reports.ReturnsCore(int)", "it returns 'void', expected 'int'"),
            .. Mismatch(4, "Reports.Statics()", "Reports.StaticsCore()", "it is static, expected an instance method"),
            .. Mismatch(5, "Reports.Generic<T>(T)", "Reports.GenericCore(object)", "it has 0 type parameters, expected 1"),
            .. Mismatch(6, "Reports.Awaited()", "Reports.AwaitedCore()", "it returns 'ValueTask<int>', expected 'Task<int>'"),
            .. Mismatch(7, "Reports.Nullable(string?)", "Reports.NullableCore(string)", "parameter 1 is 'string', expected 'string?'"),
            .. Mismatch(8, "Reports.Widened(int)", "Reports.WidenedCore(long)", "parameter 1 is 'long', expected 'int'"),
            .. Mismatch(9, "Reports.Optional(int)", "Reports.OptionalCore(int, int)", "it has 2 parameters, expected 1"),
            .. Mismatch(10, "Reports.Discarded(int)", "Reports.DiscardedCore(int)", "it returns 'int', expected 'void'"),
            .. Mismatch(11, "Reports.InParameter(int)", "Reports.InParameterCore(in int)", "parameter 1 is 'in int', expected 'int'"),
        ]);

    [Fact]
    public Task Core_methods_with_the_same_signature_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using System.Threading.Tasks;
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial long Same(int id, ref long total, out int count, in int mode);
            private long SameCore(int id, ref long total, out int count, in int mode) { count = 0; return total; }

            // A non-nullable argument may go to a nullable parameter, and a non-null result be returned as nullable.
            [Gcra(5, 10, 1)]
            public partial string? Names(string name);
            private string NamesCore(string? name) => "";

            [Gcra(5, 10, 1)]
            public partial Task<int> Generic<T>(T value) where T : notnull;
            private Task<int> GenericCore<U>(U value) where U : notnull => Task.FromResult(1);

            [Gcra(5, 10, 1)]
            public partial void SelfReferencing<T>(T value) where T : System.IComparable<T>;
            private void SelfReferencingCore<U>(U value) where U : System.IComparable<U> { }

            // Among overloads, the one with the signature is found.
            [Gcra(5, 10, 1)]
            public static partial void Overloaded(string name);
            private static void OverloadedCore(int id) { }
            private static void OverloadedCore(string name) { }

            [Gcra(5, 10, 1)]
            public partial ref int ByRef(int[] values);
            private ref int ByRefCore(int[] values) => ref values[0];
        }
        """);

    [Fact]
    public Task No_method_of_that_name_is_RCA010_not_RCA020() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial void {|RCA010:{|CS8795:Build|}|}(int id);
            private void BuildCor(int id) { }
        }
        """);

    [Fact]
    public Task Constraints_must_be_the_same() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial void {|#0:Stricter|}<T>(T value);
            private void StricterCore<T>(T value) where T : class { }

            [Gcra(5, 10, 1)]
            public partial void {|#1:Looser|}<T>(T value) where T : struct;
            private void LooserCore<T>(T value) { }

            [Gcra(5, 10, 1)]
            public partial void {|#2:Other|}<T>(T value) where T : System.IComparable<T>;
            private void OtherCore<T>(T value) where T : System.IComparable<int> { }
        }
        """,
        [
            .. Mismatch(0, "Reports.Stricter<T>(T)", "Reports.StricterCore<T>(T)", "type parameter 'T' is constrained 'where T : class', expected 'no constraints'"),
            .. Mismatch(1, "Reports.Looser<T>(T)", "Reports.LooserCore<T>(T)", "type parameter 'T' is constrained 'no constraints', expected 'where T : struct'"),
            .. Mismatch(2, "Reports.Other<T>(T)", "Reports.OtherCore<T>(T)", "type parameter 'T' is constrained 'where T : System.IComparable<int>', expected 'where T : System.IComparable<T>'"),
        ]);
}
