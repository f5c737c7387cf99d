using System.Text.RegularExpressions;
using AlgorithmPlot;
using RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

namespace RedisCell.Aspects.Ecosystem.Tests.Docs;

/// <summary>
/// docs/images/algorithms.svg and the table beside it in choosing-an-algorithm.md are what
/// tools/AlgorithmPlot draws from today's limiter: the plot is deterministic (a fake clock on the
/// in-process twin), so any difference means the committed picture went stale.
/// </summary>
public sealed class AlgorithmPlotTests
{
    private const string Regenerate = "dotnet run --project tools/AlgorithmPlot -c Release -- docs/images/algorithms.svg";

    [Fact]
    public void TheCommittedPlotIsWhatTheToolDrawsToday()
    {
        string[] committed = File.ReadAllText(Repository.File("docs/images/algorithms.svg")).ReplaceLineEndings("\n").Split('\n');
        string[] drawn = Plot.Make().Svg.ReplaceLineEndings("\n").Split('\n');

        int first = Enumerable.Range(0, Math.Max(committed.Length, drawn.Length))
            .FirstOrDefault(i => i >= committed.Length || i >= drawn.Length || committed[i] != drawn[i], -1);
        Assert.True(
            first < 0,
            $"docs/images/algorithms.svg differs from what the tool draws at line {first + 1}: committed '{At(committed, first)}', drawn '{At(drawn, first)}'. Regenerate it: {Regenerate}");
    }

    [Fact]
    public void TheTableBesideThePlotHasTheToolsNumbers()
    {
        // Each algorithm's line: "...: 149 allowed; most in any 60 s: 69; most in any 2 s: 10".
        string[] printed = Regex.Matches(Plot.Make().Summary, @": (\d+) allowed; most in any 60 s: (\d+); most in any 2 s: (\d+)")
            .Select(m => $"{m.Groups[1].Value} | {m.Groups[2].Value} | {m.Groups[3].Value}")
            .ToArray();
        string[] documented = Regex.Matches(File.ReadAllText(Repository.File("docs/choosing-an-algorithm.md")), @"^\| [^|]+ \| (\d+) \| (\d+) \| (\d+) \|$", RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value} | {m.Groups[2].Value} | {m.Groups[3].Value}")
            .ToArray();
        Assert.Equal(3, printed.Length);
        Assert.Equal(printed, documented);
    }

    private static string At(string[] lines, int index) => index < 0 ? "" : index < lines.Length ? lines[index] : "(end of file)";
}
