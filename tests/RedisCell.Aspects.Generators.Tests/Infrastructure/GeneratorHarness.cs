extern alias Generators;

using System.Collections.Immutable;
using System.Text;
using Basic.Reference.Assemblies;
using Generators::RedisCell.Aspects.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RedisCell.Aspects.Generators.Tests.Infrastructure;

/// <summary>
/// Compiles consumer code in memory, as a project referencing the package would be compiled: the
/// .NET 10 reference assemblies, the runtime library, the generator, and interceptors enabled for
/// the generated namespace.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>The path the testing library gives its first source file; snapshots use it too, so both agree on interceptor locations.</summary>
    public const string SourcePath = "/0/Test0.cs";

    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithLanguageVersion(LanguageVersion.CSharp13)
        .WithFeatures([new("InterceptorsNamespaces", "RedisCell.Aspects.Generated")]);

    /// <summary>The runtime library and what its public API exposes, beyond the framework.</summary>
    public static readonly ImmutableArray<MetadataReference> LibraryReferences =
    [
        MetadataReference.CreateFromFile(typeof(CellLimiter).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    public static readonly ImmutableArray<MetadataReference> References = [.. Net100.References.All, .. LibraryReferences];

    /// <summary>Creates a compilation of <paramref name="sources"/> (the first at <see cref="SourcePath"/>).</summary>
    public static CSharpCompilation Compile(params string[] sources) => Compile([], sources);

    /// <summary>As <see cref="Compile(string[])"/>, referencing <paramref name="libraries"/> too (other assemblies' images).</summary>
    public static CSharpCompilation Compile(IEnumerable<MetadataReference> libraries, params string[] sources)
    {
        var trees = sources.Select((source, i) =>
            CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"/0/Test{i}.cs", encoding: Encoding.UTF8));
        return CSharpCompilation.Create(
            "Consumer" + Guid.NewGuid().ToString("N"),
            trees,
            References.Concat(libraries),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
    }

    /// <summary>A driver with the generator, optionally recording each step for caching assertions.</summary>
    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new RateLimitGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator over <paramref name="compilation"/>.</summary>
    public static GeneratorResult Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return new GeneratorResult(driver.GetRunResult(), output, generatorDiagnostics);
    }

    /// <summary>Compiles <paramref name="sources"/> with the generator and fails on any error or warning.</summary>
    public static GeneratorResult RunClean(params string[] sources) => RunClean(Compile(sources));

    /// <summary>Runs the generator over <paramref name="compilation"/> and fails on any error or warning.</summary>
    public static GeneratorResult RunClean(CSharpCompilation compilation)
    {
        GeneratorResult result = Run(compilation);
        Diagnostic[] problems = result.AllDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "Unexpected diagnostics:\n" + string.Join("\n", problems.Select(p => p.ToString()))
            + "\n\nGenerated:\n" + string.Join("\n", result.RunResult.GeneratedTrees.Select(t => t.ToString())));
        return result;
    }
}

/// <summary>A generator run: what it produced, the compilation with its output, and every diagnostic.</summary>
public sealed record GeneratorResult(GeneratorDriverRunResult RunResult, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>The generator's diagnostics and the final compilation's, in a stable order.</summary>
    public IReadOnlyList<Diagnostic> AllDiagnostics { get; } = GeneratorDiagnostics
        .Concat(Output.GetDiagnostics())
        .Where(d => d.Severity != DiagnosticSeverity.Hidden)
        .Distinct()
        .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
        .ThenBy(d => d.Location.SourceSpan.Start)
        .ThenBy(d => d.Id, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The generated sources, by hint name.</summary>
    public IReadOnlyList<GeneratedSourceResult> Sources { get; } = RunResult.Results
        .SelectMany(r => r.GeneratedSources)
        .OrderBy(s => s.HintName, StringComparer.Ordinal)
        .ToArray();
}
