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

        // Built into a folder of their own, generator and runtime included: the outputs of the
        // solution's build may be of another configuration, not built yet, or being written while
        // this runs. A fresh folder also means the samples always compile, and an up-to-date
        // build would print no diagnostics.
        string artifacts = Directory.CreateTempSubdirectory("rediscell-misuses-").FullName;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach ((string project, bool builds) in new[]
            {
                ("samples/Misuses/Misuses.csproj", true), // warnings only: the analyzers
                ("samples/Misuses/GeneratorErrors/GeneratorErrors.csproj", false),
                ("samples/Misuses/InterceptorsOff/InterceptorsOff.csproj", false),
            })
            {
                (int exitCode, string output) = await DotnetCli.ExecuteAsync(root, s_buildTimeout,
                    "build", project, "-c", "Release", "--artifacts-path", artifacts, "--disable-build-servers", "-nologo");
                Assert.True((exitCode == 0) == builds, $"{project} exited with {exitCode}:\n{output}");
                foreach (Match match in Regex.Matches(output, @"(?:warning|error) (RCA\d{3}):")) seen.Add(match.Groups[1].Value);
            }
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }

        Assert.Equal(declared.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }
}
