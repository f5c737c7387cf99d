using System.Text.RegularExpressions;

namespace RedisCell.Aspects.PackageTests;

/// <summary>
/// samples/Misuses is the catalogue of mistakes: building its three projects must show every
/// diagnostic the package declares (the release table lists them). The analyzers' warnings come from
/// a project that compiles (the compiler runs no analyzers on a compilation with errors); the
/// generator's errors and RCA019 from two that fail on purpose.
/// </summary>
public sealed class MisusesSampleTests
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Building_the_misuses_sample_shows_every_diagnostic()
    {
        string root = PackageTests.RepositoryRoot();
        string[] declared = Regex.Matches(
                File.ReadAllText(Path.Combine(root, "generators", "RedisCell.Aspects.Generators", "AnalyzerReleases.Unshipped.md")),
                @"^(RCA\d{3}) \|", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToArray();
        Assert.NotEmpty(declared);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string project, bool builds) in new[]
        {
            ("samples/Misuses/Misuses.csproj", true), // warnings only: the analyzers
            ("samples/Misuses/GeneratorErrors/GeneratorErrors.csproj", false),
            ("samples/Misuses/InterceptorsOff/InterceptorsOff.csproj", false),
        })
        {
            // The solution's build has already built the generator and runtime in Release; only the
            // sample is compiled, always (an up-to-date build would print no diagnostics).
            string projectDirectory = Path.GetDirectoryName(Path.Combine(root, project))!;
            foreach (string folder in new[] { "bin", "obj" })
            {
                string release = Path.Combine(projectDirectory, folder, "Release");
                if (Directory.Exists(release)) Directory.Delete(release, recursive: true);
            }

            (int exitCode, string output) = await DotnetCli.ExecuteAsync(root, s_buildTimeout,
                "build", project, "-c", "Release", "-p:BuildProjectReferences=false", "--disable-build-servers", "-nologo");
            Assert.True((exitCode == 0) == builds, $"{project} exited with {exitCode}:\n{output}");
            foreach (Match match in Regex.Matches(output, @"(?:warning|error) (RCA\d{3}):")) seen.Add(match.Groups[1].Value);
        }

        Assert.Equal(declared.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }
}
