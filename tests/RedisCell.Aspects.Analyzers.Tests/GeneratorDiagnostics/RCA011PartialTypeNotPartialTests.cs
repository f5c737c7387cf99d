using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA011PartialTypeNotPartialTests
{
    [Fact]
    public Task An_enclosing_type_that_is_not_partial_is_an_error() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public class Outer
        {
            public partial class Inner
            {
                [Gcra(5, 10, 1)]
                public partial void {|#0:{|CS8795:Run|}|}();

                private void RunCore() { }
            }
        }
        """,
        GeneratorDiagnosticVerifier.Expect("RCA011", DiagnosticSeverity.Error, 0)
            .WithArguments("Outer.Inner.Run()", "Outer"));

    [Fact]
    public Task Nested_partial_types_records_and_structs_are_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Outer
        {
            public partial record Inner
            {
                [Gcra(5, 10, 1)]
                public partial void Run();

                private void RunCore() { }
            }

            public partial struct Value
            {
                [Gcra(5, 10, 1)]
                public partial int Read();

                private int ReadCore() => 1;
            }
        }
        """);
}
