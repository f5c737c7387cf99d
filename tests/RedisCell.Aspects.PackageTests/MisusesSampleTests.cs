using System.Text.RegularExpressions;

namespace RedisCell.Aspects.PackageTests;

/// <summary>
/// samples/Misuses is the catalogue of mistakes: building it must show every diagnostic the package
/// declares (the release table lists them), each where the sample's comment says.
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
        foreach (string project in new[] { "samples/Misuses/Misuses.csproj", "samples/Misuses/InterceptorsOff/InterceptorsOff.csproj" })
        {
            // The solution's build has already built the generator and runtime in Release; only the sample is compiled.
            (int exitCode, string output) = await DotnetCli.ExecuteAsync(root, s_buildTimeout,
                "build", project, "-c", "Release", "-p:BuildProjectReferences=false", "--disable-build-servers", "-nologo", "-v:q");
            Assert.True(exitCode != 0, $"{project} is meant to fail to build, but built:\n{output}");
            foreach (Match match in Regex.Matches(output, @"(?:warning|error) (RCA\d{3}):")) seen.Add(match.Groups[1].Value);
        }

        Assert.Equal(declared.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }
}
