using System.Diagnostics;
using System.Security.Cryptography;

namespace RedisCell.Aspects.TestServers;

/// <summary>
/// A redis-server with the stand-in for redis-cell's module loaded (<c>cl_throttle_standin.c</c>,
/// compiled on first use with the C compiler on PATH): the library's module path runs against a
/// real server there. The stand-in is checked against the calls recorded from the real module.
/// </summary>
public static class ClThrottleStandIn
{
    private static readonly Lazy<string> s_library = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The C compiler, or null when none is on PATH.</summary>
    public static string? Compiler { get; } = RedisServerProcess.FindOnPath("cc") ?? RedisServerProcess.FindOnPath("gcc");

    /// <summary>True when redis-server and a C compiler are installed (CI installs both).</summary>
    public static bool IsAvailable => RedisServerProcess.IsInstalled && Compiler is not null;

    /// <summary>The compiled module (a shared library), built once per source text.</summary>
    public static string Library => s_library.Value;

    /// <summary>
    /// Starts a redis-server that loads the stand-in. <c>MODULE LOAD</c>/<c>UNLOAD</c> are enabled
    /// so tests can take the module away while the limiter runs.
    /// </summary>
    public static Task<RedisServerProcess> StartServerAsync() =>
        RedisServerProcess.StartAsync(null, "--loadmodule", Library, "--enable-module-command", "yes");

    private static string Build()
    {
        if (Compiler is null) throw new InvalidOperationException("No C compiler (cc or gcc) is on PATH; install gcc to build the redis-cell stand-in.");
        string source = Path.Combine(AppContext.BaseDirectory, "ClThrottleModule", "cl_throttle_standin.c");
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(source)), 0, 8).ToLowerInvariant();
        string library = Path.Combine(Path.GetTempPath(), $"rediscell-cl-throttle-standin-{hash}.so");
        if (File.Exists(library)) return library;

        // Built beside its final name and moved there, so a concurrent test run never loads half a file.
        string building = library + "." + Environment.ProcessId + ".tmp";
        var compile = new ProcessStartInfo(Compiler)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-O2", "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Werror", "-shared", "-fPIC", "-o", building, source }) compile.ArgumentList.Add(argument);
        using Process process = Process.Start(compile) ?? throw new InvalidOperationException($"{Compiler} did not start.");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000)) throw new TimeoutException($"{Compiler} did not finish building the redis-cell stand-in within a minute.");
        if (process.ExitCode != 0) throw new InvalidOperationException($"Building the redis-cell stand-in failed: {errors.Result}");
        File.Move(building, library, overwrite: true);
        return library;
    }
}
