extern alias Generators;

using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Generators::RedisCell.Aspects.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace RedisCell.Aspects.Analyzers.Tests.Infrastructure;

/// <summary>
/// The project every test compiles: .NET 10 reference assemblies (Basic.Reference.Assemblies, so
/// nothing is downloaded), the runtime library, C# 13 and interceptors enabled for the generated
/// namespace, exactly as the package's build props set them.
/// </summary>
internal static class TestProject
{
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(CellLimiter).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.CSharp13)
        .WithFeatures([new("InterceptorsNamespaces", "RedisCell.Aspects.Generated")]);

    /// <summary>
    /// Gives <paramref name="test"/> the references and options above; <paramref name="parseOptions"/>
    /// replaces the parse options, <paramref name="allowUnsafe"/> allows unsafe code (function pointers).
    /// </summary>
    public static void Configure<TVerifier>(AnalyzerTest<TVerifier> test, CSharpParseOptions? parseOptions = null, bool allowUnsafe = false)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(References);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution
                .WithProjectParseOptions(projectId, parseOptions ?? ParseOptions)
                .WithProjectCompilationOptions(projectId, options.WithNullableContextOptions(NullableContextOptions.Enable).WithAllowUnsafe(allowUnsafe));
        });
    }
}

/// <summary>Runs one analyzer over markup (<c>{|RCA013:…|}</c>) and checks it reports exactly what the markup says.</summary>
internal static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => VerifyAsync(source, null, expected);

    public static Task VerifyAsync(string source, CSharpParseOptions? parseOptions, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        TestProject.Configure(test, parseOptions);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>
    /// As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, with the source generator running
    /// too, for code in partial mode, which does not compile without the part it writes.
    /// </summary>
    public static Task VerifyWithGeneratorAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new WithGenerator { TestCode = source, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        TestProject.Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, compiled with unsafe code allowed.</summary>
    public static Task VerifyUnsafeAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        TestProject.Configure(test, allowUnsafe: true);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private sealed class WithGenerator : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(RateLimitGenerator)];
    }
}

/// <summary>Applies a code fix to the diagnostics in the markup and compares with the fixed source.</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected) =>
        VerifyAsync(source, fixedSource, allowUnsafe: false, expected);

    /// <summary>As <see cref="VerifyAsync(string, string, DiagnosticResult[])"/>, compiled with unsafe code allowed (function pointers).</summary>
    public static Task VerifyAsync(string source, string fixedSource, bool allowUnsafe, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource };
        TestProject.Configure(test, allowUnsafe: allowUnsafe);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>
/// Runs the source generator and checks the diagnostics it reports (RCA001–RCA008, RCA010–RCA012, RCA019, RCA020, RCA022) against the
/// markup. What it generates is covered by the snapshot cases in the generator tests, so it is not
/// compared here.
/// </summary>
internal static class GeneratorDiagnosticVerifier
{
    /// <summary>An expected diagnostic at the markup location <c>{|#n:…|}</c>, for checking its message arguments.</summary>
    public static DiagnosticResult Expect(string id, DiagnosticSeverity severity, int markupLocation) =>
        new DiagnosticResult(id, severity).WithLocation(markupLocation);

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => VerifyAsync(source, allowUnsafe: false, expected);

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, compiled with unsafe code allowed (pointers).</summary>
    public static Task VerifyUnsafeAsync(string source, params DiagnosticResult[] expected) => VerifyAsync(source, allowUnsafe: true, expected);

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, with other parse options (interceptors features).</summary>
    public static Task VerifyAsync(string source, CSharpParseOptions parseOptions, params DiagnosticResult[] expected) =>
        VerifyAsync([("/0/Test0.cs", source)], parseOptions, allowUnsafe: false, expected);

    /// <summary>Several files, each with its path; markup is allowed in all of them.</summary>
    public static Task VerifyAsync((string Path, string Source)[] sources, CSharpParseOptions? parseOptions, params DiagnosticResult[] expected) =>
        VerifyAsync(sources, parseOptions, allowUnsafe: false, expected);

    private static Task VerifyAsync(string source, bool allowUnsafe, DiagnosticResult[] expected) =>
        VerifyAsync([("/0/Test0.cs", source)], null, allowUnsafe, expected);

    private static Task VerifyAsync((string Path, string Source)[] sources, CSharpParseOptions? parseOptions, bool allowUnsafe, DiagnosticResult[] expected)
    {
        var test = new CSharpSourceGeneratorTest<RateLimitGenerator, DefaultVerifier>
        {
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        foreach ((string path, string source) in sources) test.TestState.Sources.Add((path, source));
        TestProject.Configure(test, parseOptions, allowUnsafe: allowUnsafe);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>
/// Applies a code fix with the generator running on both the source and the fixed source, so the
/// fixed code must build with what the generator writes for it (partial mode needs that); what it
/// generates is not compared.
/// </summary>
internal static class GeneratorCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource)
    {
        var test = new Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        TestProject.Configure(test);
        return test.RunAsync();
    }

    private sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(RateLimitGenerator)];
    }
}

/// <summary>
/// Applies a code fix to diagnostics the source generator itself reports (RCA001–RCA012, RCA020): the
/// test runs <see cref="RateLimitGenerator"/> through <c>GetSourceGenerators</c>, so its
/// diagnostics are in the set the fix is offered for, and no analyzer is involved.
/// </summary>
internal static class GeneratorDiagnosticFixVerifier<TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        TestProject.Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private sealed class Test : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, TCodeFix, DefaultVerifier>
    {
        protected override IEnumerable<Type> GetSourceGenerators() => [typeof(RateLimitGenerator)];

        /// <summary>
        /// The generator reports through plain-value locations (file path and span, so its pipeline
        /// holds no syntax tree); the IDE maps such a location to its document by path before offering
        /// fixes, and the framework does not, so the test does that mapping here.
        /// </summary>
        protected override async Task<(Compilation compilation, ImmutableArray<Diagnostic> generatorDiagnostics)> GetProjectCompilationAsync(
            Project project, IVerifier verifier, CancellationToken cancellationToken)
        {
            (Compilation compilation, ImmutableArray<Diagnostic> diagnostics) = await base.GetProjectCompilationAsync(project, verifier, cancellationToken);
            return (compilation, diagnostics.Select(d => InDocument(d, compilation)).ToImmutableArray());
        }

        private static Diagnostic InDocument(Diagnostic diagnostic, Compilation compilation)
        {
            if (diagnostic.Location.Kind != LocationKind.ExternalFile) return diagnostic;
            string path = diagnostic.Location.GetLineSpan().Path;
            SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
            if (tree is null) return diagnostic;
            DiagnosticDescriptor descriptor = diagnostic.Descriptor;
            return Diagnostic.Create(
                descriptor.Id, descriptor.Category, diagnostic.GetMessage(), diagnostic.Severity, descriptor.DefaultSeverity,
                descriptor.IsEnabledByDefault, diagnostic.WarningLevel, descriptor.Title, descriptor.Description, descriptor.HelpLinkUri,
                Location.Create(tree, diagnostic.Location.SourceSpan), customTags: descriptor.CustomTags, properties: diagnostic.Properties);
        }
    }
}
