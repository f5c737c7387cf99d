namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>The repository these tests were built from, for tests that check files it holds (docs, images).</summary>
public static class Repository
{
    /// <summary>The folder holding RedisCell.Aspects.sln, found above the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path below <see cref="Root"/>, given with forward slashes.</summary>
    public static string File(string relativePath) => Path.Combine([Root, .. relativePath.Split('/')]);

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "RedisCell.Aspects.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("The repository root (RedisCell.Aspects.sln) is not above " + AppContext.BaseDirectory);
    }
}
