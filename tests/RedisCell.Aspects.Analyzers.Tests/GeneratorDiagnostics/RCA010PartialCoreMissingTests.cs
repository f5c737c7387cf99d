using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

/// <summary>Without a Core the method stays unimplemented, so the compiler's CS8795 stands beside RCA010.</summary>
public sealed class RCA010PartialCoreMissingTests
{
    [Fact]
    public Task Partial_method_without_a_Core_method_is_an_error() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial int {|RCA010:{|CS8795:Build|}|}(int id);

            // A near miss in the name is still no Core; neither is a property or one in a base type.
            private int BuildCor(int id) => id;

            [Gcra(5, 10, 1)]
            public partial void {|RCA010:{|CS8795:Run|}|}();

            private int RunCore => 1;
        }
        """);

    [Fact]
    public Task Partial_method_with_its_Core_is_implemented() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Reports
        {
            [Gcra(5, 10, 1)]
            public partial int Build(int id);

            private int BuildCore(int id) => id;

            [Gcra(5, 10, 1)]
            public static partial void Run();

            private static void RunCore() { }
        }
        """);
}
