using RedisCell.Aspects.Analyzers.Tests.Infrastructure;

namespace RedisCell.Aspects.Analyzers.Tests.GeneratorDiagnostics;

public sealed class RCA012PartialNeedsAccessibilityTests
{
    /// <summary>
    /// Without a modifier, a partial void method whose implementation is missing is silently
    /// removed with every call to it; the generator does not implement it, so that never happens.
    /// </summary>
    [Fact]
    public Task Partial_void_without_accessibility_is_an_error() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Jobs
        {
            [Gcra(5, 10, 1)]
            partial void {|RCA012:Run|}();

            private void RunCore() { }

            public void Start() => Run();
        }
        """);

    [Fact]
    public Task Any_accessibility_modifier_is_accepted() => GeneratorDiagnosticVerifier.VerifyAsync("""
        using RedisCell.Aspects;

        public partial class Jobs
        {
            [Gcra(5, 10, 1)]
            private partial void Run();

            private void RunCore() { }

            [Gcra(5, 10, 1)]
            internal partial void Next();

            private void NextCore() { }

            [Gcra(5, 10, 1)]
            protected partial void Guarded();

            private void GuardedCore() { }
        }
        """);
}
