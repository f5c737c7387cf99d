using System.Diagnostics;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// Runs tests/RedisCell.Aspects.FirstCallApp: a short-lived process configured only by the
/// REDIS_* variables given, with no logging, as a CLI tool or a cron job is.
/// </summary>
public static class FirstCallApp
{
    private static readonly string[] s_variables = ["REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD"];

    /// <summary>What the process printed and how it ended.</summary>
    public sealed record Run(int ExitCode, string[] Lines, string Errors);

    /// <summary>Starts the app, lets <paramref name="whileRunning"/> act on the world meanwhile, and waits for it to end.</summary>
    public static async Task<Run> RunAsync(string run, int calls, int pauseMs, (string Name, string? Value)[] variables, Func<Task>? whileRunning = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RedisCell.Aspects.FirstCallApp.dll"));
        start.ArgumentList.Add(run);
        start.ArgumentList.Add(calls.ToString());
        start.ArgumentList.Add(pauseMs.ToString());
        foreach (string name in s_variables) start.Environment.Remove(name);
        foreach ((string name, string? value) in variables) start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        if (whileRunning is not null) await whileRunning();
        await process.WaitForExitAsync(deadline.Token);
        return new Run(process.ExitCode, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), await stderr);
    }
}
