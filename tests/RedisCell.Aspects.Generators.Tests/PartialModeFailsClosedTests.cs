using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// Partial mode fails closed: without the generator a partial-mode method has no implementation,
/// and the build fails rather than run the method unlimited. The one declaration the compiler would
/// accept without a body, a partial void method with no accessibility modifier, the generator
/// refuses (RCA012).
/// </summary>
public sealed class PartialModeFailsClosedTests
{
    [Fact]
    public void Without_the_generator_the_partial_mode_case_does_not_build()
    {
        string input = File.ReadAllText(Path.Combine(SnapshotTests.CasesDirectory, "PartialMode.input.cs"));
        Diagnostic[] errors = GeneratorHarness.Compile(input).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();

        Assert.All(errors, error => Assert.Equal("CS8795", error.Id));
        Assert.Equal(["FindAsync", "Echo"], errors.Select(e => e.Location.SourceTree!.GetText().ToString(e.Location.SourceSpan)));

        // With the generator it builds with nothing to report.
        Assert.Empty(GeneratorHarness.RunClean(input).AllDiagnostics);
    }

    [Fact]
    public void A_partial_void_method_without_accessibility_would_vanish_without_the_generator_so_the_generator_refuses_it()
    {
        const string Source = """
            using RedisCell.Aspects;

            public partial class Jobs
            {
                [Gcra(5, 10, 1)]
                partial void Run();

                private void RunCore() { }

                public void Use() => Run();
            }
            """;

        // The compiler accepts it with no implementation and removes the call: nothing fails.
        Assert.DoesNotContain(GeneratorHarness.Compile(Source).GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);

        Diagnostic refused = Assert.Single(GeneratorHarness.Run(GeneratorHarness.Compile(Source)).AllDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("RCA012", refused.Id);
    }
}
