extern alias Generators;

using System.Text;
using Generators::RedisCell.Aspects.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// One case per shape: <c>Cases/X.input.cs</c> is compiled with the generator and everything it
/// produces (generated files, then diagnostics) must equal <c>Cases/X.output.cs</c>. Run with
/// <c>UPDATE_SNAPSHOTS=1</c> to rewrite the outputs, then review the diff.
/// </summary>
public sealed class SnapshotTests
{
    private const string UpdateVariable = "UPDATE_SNAPSHOTS";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(CasesDirectory, "*.input.cs").OrderBy(p => p, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path)[..^".input.cs".Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Generated_code_matches_the_snapshot(string name)
    {
        string input = File.ReadAllText(Path.Combine(CasesDirectory, name + ".input.cs"));
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.Compile(input));
        string actual = Render(result);
        string outputPath = Path.Combine(CasesDirectory, name + ".output.cs");

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(outputPath, actual);
        }
        else
        {
            Assert.True(File.Exists(outputPath), $"{outputPath} is missing; run the tests with {UpdateVariable}=1 to create it.");
            string expected = File.ReadAllText(outputPath).ReplaceLineEndings("\n");
            Assert.True(expected == actual, $"{name}: the generator's output differs from {outputPath}; run with {UpdateVariable}=1 and review the diff.\n{FirstDifference(expected, actual)}");
        }

        await VerifyWithTestingLibraryAsync(input, result);
    }

    [Fact]
    public void Every_case_has_a_snapshot_and_every_snapshot_a_case()
    {
        string[] inputs = Directory.GetFiles(CasesDirectory, "*.input.cs").Select(p => Path.GetFileName(p)[..^".input.cs".Length]).Order().ToArray();
        string[] outputs = Directory.GetFiles(CasesDirectory, "*.output.cs").Select(p => Path.GetFileName(p)[..^".output.cs".Length]).Order().ToArray();
        Assert.NotEmpty(inputs);
        Assert.Equal(inputs, outputs);
    }

    /// <summary>
    /// The Roslyn testing library runs the generator on its own and must agree: the same files, the
    /// same diagnostics, and no compiler error in the result.
    /// </summary>
    private static async Task VerifyWithTestingLibraryAsync(string input, GeneratorResult result)
    {
        var test = new CSharpSourceGeneratorTest<RateLimitGenerator, DefaultVerifier>
        {
            // Nothing to download: the references are Basic.Reference.Assemblies' and the runtime library.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.Sources.Add(input);
        test.TestState.AdditionalReferences.AddRange(GeneratorHarness.References);
        foreach (GeneratedSourceResult source in result.Sources)
        {
            test.TestState.GeneratedSources.Add((typeof(RateLimitGenerator), source.HintName, SourceText(source)));
        }

        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution
                .WithProjectParseOptions(projectId, GeneratorHarness.ParseOptions)
                .WithProjectCompilationOptions(projectId, options.WithNullableContextOptions(NullableContextOptions.Enable).WithAllowUnsafe(true));
        });

        IEnumerable<Diagnostic> expected = result.GeneratorDiagnostics
            .Concat(result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        foreach (Diagnostic diagnostic in expected.Distinct())
        {
            FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
            test.ExpectedDiagnostics.Add(new DiagnosticResult(diagnostic.Id, diagnostic.Severity)
                .WithSpan(span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, span.EndLinePosition.Line + 1, span.EndLinePosition.Character + 1)
                .WithMessage(diagnostic.GetMessage()));
        }

        await test.RunAsync();
    }

    private static Microsoft.CodeAnalysis.Text.SourceText SourceText(GeneratedSourceResult source) =>
        Microsoft.CodeAnalysis.Text.SourceText.From(source.SourceText.ToString(), Encoding.UTF8);

    /// <summary>Everything the generator produced for a case, as one reviewable text.</summary>
    private static string Render(GeneratorResult result)
    {
        var text = new StringBuilder();
        foreach (GeneratedSourceResult source in result.Sources)
        {
            text.Append("//// ").Append(source.HintName).Append('\n');
            text.Append(source.SourceText.ToString().ReplaceLineEndings("\n"));
            text.Append('\n');
        }

        text.Append("//// Diagnostics\n");
        foreach (Diagnostic diagnostic in result.AllDiagnostics)
        {
            FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
            string where = diagnostic.Location == Location.None
                ? "(no location)"
                : $"{Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
            text.Append($"// {diagnostic.Id} {diagnostic.Severity} {where}: {diagnostic.GetMessage()}\n");
        }

        return text.ToString();
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string left = i < e.Length ? e[i] : "<end>", right = i < a.Length ? a[i] : "<end>";
            if (left != right) return $"line {i + 1}:\n  expected: {left}\n  actual:   {right}";
        }

        return "";
    }

    internal static string CasesDirectory { get; } = Path.Combine(ProjectDirectory(), "Cases");

    /// <summary>The test project's source folder, found from the build output, so updates land in the repository.</summary>
    private static string ProjectDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RedisCell.Aspects.Generators.Tests.csproj"))) return directory.FullName;
        }

        throw new InvalidOperationException("The test project folder was not found above " + AppContext.BaseDirectory);
    }
}
