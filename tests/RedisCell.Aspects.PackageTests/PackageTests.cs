using System.IO.Compression;

namespace RedisCell.Aspects.PackageTests;

/// <summary>
/// The package as a user gets it: <c>dotnet pack</c> into a folder feed, then a separate project
/// with only a <c>PackageReference</c> builds (warnings as errors) and runs, and its
/// <c>[RatePerSecond]</c> method is throttled. Nothing else is configured: the package's
/// buildTransitive props enable interceptors, its targets refuse a compiler too old for the
/// generator, and its analyzer folder brings the generator.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromMinutes(5);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private const string ConsumerProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="RedisCell.Aspects" Version="$VERSION$" />
          </ItemGroup>
        </Project>
        """;

    private const string ConsumerProgram = """
        using RedisCell.Aspects;
        using RedisCell.Aspects.InProcess;

        SharedLimiter.Configure(new InProcessCellLimiter());
        int allowed = 0, refused = 0;
        TimeSpan retryAfter = TimeSpan.Zero;
        string key = "none";
        for (int i = 0; i < 5; i++)
        {
            try
            {
                Api.Ping();
                allowed++;
            }
            catch (RateLimitExceededException e)
            {
                refused++;
                retryAfter = e.RetryAfter;
                key = e.Key;
            }
        }

        Console.WriteLine($"allowed={allowed} refused={refused} key={key} retry-after-positive={retryAfter > TimeSpan.Zero}");

        static class Api
        {
            [RatePerSecond(3)]
            public static void Ping()
            {
            }
        }
        """;

    private const string ConsumerMisuse = """
        static class Misuse
        {
            public static Action Later => Api.Ping;
        }
        """;

    // The folder feed comes first; nuget.org and this machine's package folder serve the dependencies.
    private const string NuGetConfig = """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="$PACKAGES$" />
          </config>
          <packageSources>
            <clear />
            <add key="local" value="$FEED$" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <fallbackPackageFolders>
            <add key="machine" value="$MACHINE$" />
          </fallbackPackageFolders>
        </configuration>
        """;

    [Fact]
    public async Task Packing_the_solution_makes_the_two_packages_and_warns_about_nothing()
    {
        // What a contributor or a release job runs; samples, tests and tools are not packages and
        // must say nothing (the Web SDK warned about the WebApi sample).
        string feed = Directory.CreateTempSubdirectory("rediscell-pack-").FullName;
        try
        {
            string output = await DotnetCli.RunAsync(RepositoryRoot(), s_stepTimeout, "pack", "RedisCell.Aspects.sln", "-c", Configuration, "-o", feed);
            Assert.DoesNotContain("warning", output, StringComparison.OrdinalIgnoreCase);
            string[] packages = Directory.GetFiles(feed, "*.nupkg").Select(f => Path.GetFileName(f)).Order().ToArray();
            Assert.Collection(
                packages,
                p => Assert.Matches(@"^RedisCell\.Aspects\.\d+\.\d+\.\d+", p),
                p => Assert.Matches(@"^RedisCell\.Aspects\.AspNetCore\.\d+\.\d+\.\d+", p));
        }
        finally
        {
            Directory.Delete(feed, recursive: true);
        }
    }

    [Fact]
    public async Task A_consumer_of_the_nupkg_is_throttled_with_nothing_but_a_package_reference()
    {
        string root = Directory.CreateTempSubdirectory("rediscell-package-").FullName;
        try
        {
            // A version no cache has seen, so the consumer restores this very build.
            string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            string feed = Path.Combine(root, "feed");
            await DotnetCli.RunAsync(RepositoryRoot(), s_stepTimeout,
                "pack", Path.Combine("src", "RedisCell.Aspects", "RedisCell.Aspects.csproj"),
                "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(root, "artifacts"),
                $"-p:Version={version}", "--disable-build-servers");
            string package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
            Assert.EndsWith($"RedisCell.Aspects.{version}.nupkg", package, StringComparison.Ordinal);

            string consumer = Directory.CreateDirectory(Path.Combine(root, "consumer")).FullName;
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), ConsumerProject.Replace("$VERSION$", version));
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerProgram);
            File.WriteAllText(Path.Combine(consumer, "NuGet.config"), NuGetConfig
                .Replace("$FEED$", feed)
                .Replace("$PACKAGES$", Path.Combine(root, "packages"))
                .Replace("$MACHINE$", await MachinePackagesFolderAsync(root)));

            using (ZipArchive archive = ZipFile.OpenRead(package))
            {
                string[] analyzers = archive.Entries.Select(e => e.FullName).Where(n => n.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
                Assert.Equal(["analyzers/dotnet/cs/RedisCell.Aspects.CodeFixes.dll", "analyzers/dotnet/cs/RedisCell.Aspects.Generators.dll"], analyzers);

                // cl_throttle.lua ships as a plain file, usable on its own as a drop-in CL.THROTTLE:
                // under scripts/ for anyone who opens the package, and as a content file (declared in
                // the nuspec, so NuGet adds it to a consumer's project), both the source file to the byte.
                byte[] script = File.ReadAllBytes(Path.Combine(RepositoryRoot(), "src", "RedisCell.Aspects", "Gcra", "cl_throttle.lua"));
                foreach (string path in new[] { "scripts/cl_throttle.lua", "contentFiles/any/any/redis-cell-scripts/cl_throttle.lua" })
                {
                    ZipArchiveEntry entry = archive.GetEntry(path) ?? throw new Xunit.Sdk.XunitException($"The package has no {path}.");
                    using var packed = new MemoryStream();
                    using (Stream stream = entry.Open()) stream.CopyTo(packed);
                    Assert.True(script.AsSpan().SequenceEqual(packed.ToArray()), $"{path} differs from src/RedisCell.Aspects/Gcra/cl_throttle.lua");
                }

                ZipArchiveEntry nuspec = archive.GetEntry("RedisCell.Aspects.nuspec") ?? throw new Xunit.Sdk.XunitException("The package has no nuspec.");
                using var reader = new StreamReader(nuspec.Open());
                Assert.Contains("<files include=\"any/any/redis-cell-scripts/cl_throttle.lua\" buildAction=\"None\" />", reader.ReadToEnd(), StringComparison.Ordinal);
            }

            string output = await DotnetCli.RunAsync(consumer, s_stepTimeout, "run", "-c", "Release", "--disable-build-servers");
            Assert.Contains("allowed=3 refused=2 key=Api.Ping() retry-after-positive=True", output);

            // A compiler older than the generator's Roslyn (4.14) would not load it, and the method would
            // run unthrottled: the package's buildTransitive targets fail the build instead. The
            // property stands in for an older SDK's compiler.
            (int oldExitCode, string oldBuild) = await DotnetCli.ExecuteAsync(consumer, s_stepTimeout,
                "build", "-c", "Release", "--no-restore", "--disable-build-servers", "-p:CompilerApiVersion=roslyn4.12");
            Assert.True(oldExitCode != 0, oldBuild);
            Assert.Contains("error RCA900: RedisCell.Aspects needs the C# compiler of the .NET SDK 9.0.300 or later", oldBuild);

            // The analyzers came with the package: a delegate to the limited method is reported
            // (an error here, as the consumer treats warnings as errors).
            File.WriteAllText(Path.Combine(consumer, "Misuse.cs"), ConsumerMisuse);
            (int exitCode, string build) = await DotnetCli.ExecuteAsync(consumer, s_stepTimeout, "build", "-c", "Release", "--disable-build-servers");
            Assert.True(exitCode != 0, build);
            Assert.Matches(@"Misuse\.cs\(3,\d+\): error RCA013", build);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> MachinePackagesFolderAsync(string workingDirectory)
    {
        string listing = await DotnetCli.RunAsync(workingDirectory, s_stepTimeout, "nuget", "locals", "global-packages", "--list");
        string line = listing.Split('\n').Single(l => l.Contains("global-packages:", StringComparison.Ordinal));
        return line[(line.IndexOf(':') + 1)..].Trim();
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RedisCell.Aspects.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException("RedisCell.Aspects.sln was not found above " + AppContext.BaseDirectory);
    }
}
