using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA008MethodNotAccessibleTests
{
    [Fact]
    public Task Methods_generated_interceptors_cannot_call_are_errors() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public class Service
        {
            [Gcra(5, 10, 1)]
            private void {|#0:Hidden|}() { }

            [Gcra(5, 10, 1)]
            protected int {|RCA008:Guarded|}() => 1;

            [Gcra(5, 10, 1)]
            private protected void {|RCA008:Narrow|}() { }

            private sealed class Nested
            {
                [Gcra(5, 10, 1)]
                public void {|RCA008:Inside|}() { }
            }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA008", DiagnosticSeverity.Error, 0)
            .WithArguments("Service.Hidden()", "private", "Hidden"));

    [Fact]
    public Task Internal_public_and_partial_private_methods_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Service
        {
            [Gcra(5, 10, 1)]
            internal void Internal() { }

            [Gcra(5, 10, 1)]
            public void Public() { }

            [Gcra(5, 10, 1)]
            protected internal void ProtectedInternal() { }

            // Partial mode runs inside the type, so private is fine.
            [Gcra(5, 10, 1)]
            private partial void Hidden();

            private void HiddenCore() { }

            public void Use() => Hidden();
        }
        """);
}
