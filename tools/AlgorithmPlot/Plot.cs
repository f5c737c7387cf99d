using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RedisCell.Aspects;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.InProcess;

namespace AlgorithmPlot;

/// <summary>
/// Allowed calls over time for each algorithm under the same offered load. Deterministic: the
/// in-process twin (same answers as the Redis scripts) on a fake clock, so the same code always
/// draws the same picture (a test compares it with docs/images/algorithms.svg).
/// </summary>
internal static class Plot
{
    public const int Seconds = 150;

    /// <summary>Runs the load through each algorithm and draws the SVG.</summary>
    public static (string Svg, string Summary) Make()
    {
        Request[] load = Load.Build();
        Outcome[] runs =
        [
            Run(load, "GCRA: [Throttle(key, 9, 60, 60)], 60/min, bursts of 10", new GcraPolicy(maxBurst: 9, count: 60, periodSeconds: 60), _ => 1, "#1f77b4"),
            Run(load, "Fixed window: 60 per 60 s window", new FixedWindowPolicy(60, TimeSpan.FromMinutes(1)), _ => 1, "#d62728"),
            Run(load, "Token budget: [TokenBudget(key, 1500)], cost 5-50 tokens", FixedWindowPolicy.TokensPerMinute(1500), r => r.Tokens, "#2ca02c"),
        ];

        var summary = new StringBuilder();
        summary.AppendLine(CultureInfo.InvariantCulture, $"Offered: {load.Length} requests in {Seconds} s");
        foreach (Outcome run in runs)
        {
            summary.AppendLine(CultureInfo.InvariantCulture, $"{run.Title}: {run.Allowed.Count(a => a)} allowed; most in any 60 s: {run.MostInWindow(load, 60)}; most in any 2 s: {run.MostInWindow(load, 2)}");
        }

        return (Svg.Draw(load, runs, Seconds), summary.ToString());
    }

    private static Outcome Run(Request[] load, string title, RateLimitPolicy policy, Func<Request, long> cost, string color)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z", CultureInfo.InvariantCulture));
        using var limiter = new InProcessCellLimiter(clock);
        TimeSpan now = TimeSpan.Zero;
        var allowed = new bool[load.Length];
        for (int i = 0; i < load.Length; i++)
        {
            clock.Advance(load[i].At - now);
            now = load[i].At;
            allowed[i] = limiter.Check(new RateLimitRule(policy, "user:42", cost(load[i]))).Allowed;
        }

        return new Outcome(title, color, allowed, WindowStarts(load, policy));
    }

    // Where a fixed window's windows begin: at the first request after the previous window ended.
    private static double[] WindowStarts(Request[] load, RateLimitPolicy policy)
    {
        if (policy is not FixedWindowPolicy window) return [];
        var starts = new List<double>();
        TimeSpan? end = null;
        foreach (Request request in load)
        {
            if (end is not null && request.At < end) continue;
            starts.Add(request.At.TotalSeconds);
            end = request.At + window.Window;
        }

        return [.. starts];
    }
}

/// <summary>One offered request: when it arrives and, for the token budget, what it costs.</summary>
internal readonly record struct Request(TimeSpan At, long Tokens);

/// <summary>Which requests an algorithm allowed.</summary>
internal sealed record Outcome(string Title, string Color, bool[] Allowed, double[] WindowStarts)
{
    public int MostInWindow(Request[] load, int seconds)
    {
        int most = 0, start = 0, inWindow = 0;
        for (int end = 0; end < load.Length; end++)
        {
            if (Allowed[end]) inWindow++;
            while (load[end].At - load[start].At >= TimeSpan.FromSeconds(seconds))
            {
                if (Allowed[start]) inWindow--;
                start++;
            }

            most = Math.Max(most, inWindow);
        }

        return most;
    }
}

/// <summary>The offered load: quiet, a heavy spell, a burst across the first window's end, then steady pressure.</summary>
internal static class Load
{
    public static Request[] Build()
    {
        var requests = new List<Request>();
        void Phase(double fromSeconds, double toSeconds, double perSecond)
        {
            double step = 1 / perSecond;
            for (double t = fromSeconds; t < toSeconds - 1e-9; t += step)
            {
                int index = requests.Count;
                requests.Add(new Request(TimeSpan.FromMilliseconds(Math.Round(t * 1000)), 5 + (index * 37 % 46)));
            }
        }

        Phase(0, 20, 0.5);     // quiet: well under the limit
        Phase(20, 40, 5);      // a heavy spell: five times the limit
        Phase(40, 55, 0.5);    // quiet again
        Phase(55, 65, 10);     // a burst across the first minute's end
        Phase(65, 150, 2);     // steady pressure at twice the limit
        return [.. requests];
    }
}

/// <summary>A hand-written SVG: for each algorithm, offered and allowed requests per second.</summary>
internal static class Svg
{
    private const int Width = 960, PanelHeight = 170, Top = 56, Left = 56, Right = 16, Gap = 34;

    public static string Draw(Request[] load, Outcome[] runs, int seconds)
    {
        int[] offered = PerSecond(load, _ => true, seconds);
        int scaleMax = Math.Max(10, offered.Max());
        double plotWidth = Width - Left - Right;
        double barWidth = plotWidth / seconds;
        int height = Top + (runs.Length * (PanelHeight + Gap)) + 24;

        var svg = new StringBuilder();
        svg.AppendLine(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>"));
        svg.AppendLine(Invariant($"<text x=\"{Left}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Allowed calls per second under the same load (one key, {load.Length} requests in {seconds} s)</text>"));
        svg.AppendLine(Invariant($"<text x=\"{Left}\" y=\"40\" fill=\"#555\">Grey: offered. Colour: allowed. Made by tools/AlgorithmPlot on the in-process twin with a fake clock; the Redis scripts give the same answers.</text>"));

        for (int p = 0; p < runs.Length; p++)
        {
            Outcome run = runs[p];
            int[] allowed = PerSecond(load, i => run.Allowed[i], seconds);
            double y0 = Top + (p * (PanelHeight + Gap)) + 18;
            double baseline = y0 + PanelHeight - 20;
            double scale = (PanelHeight - 26) / (double)scaleMax;
            svg.AppendLine(Invariant($"<text x=\"{Left}\" y=\"{y0 - 4}\" font-weight=\"bold\" fill=\"{run.Color}\">{Escape(run.Title)}: {run.Allowed.Count(a => a)} allowed, at most {run.MostInWindow(load, 60)} in any 60 s</text>"));

            for (int tick = 0; tick <= scaleMax; tick += 5)
            {
                double y = baseline - (tick * scale);
                svg.AppendLine(Invariant($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>"));
                svg.AppendLine(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" fill=\"#777\">{tick}</text>"));
            }

            for (int s = 0; s < seconds; s++)
            {
                double x = Left + (s * barWidth);
                if (offered[s] > 0) svg.AppendLine(Invariant($"<rect x=\"{x:0.##}\" y=\"{baseline - (offered[s] * scale):0.##}\" width=\"{barWidth * 0.9:0.##}\" height=\"{offered[s] * scale:0.##}\" fill=\"#d0d0d0\"/>"));
                if (allowed[s] > 0) svg.AppendLine(Invariant($"<rect x=\"{x:0.##}\" y=\"{baseline - (allowed[s] * scale):0.##}\" width=\"{barWidth * 0.9:0.##}\" height=\"{allowed[s] * scale:0.##}\" fill=\"{run.Color}\"/>"));
            }

            foreach (double start in run.WindowStarts.Skip(1))
            {
                double x = Left + (start * barWidth);
                svg.AppendLine(Invariant($"<line x1=\"{x:0.##}\" y1=\"{y0 + 2:0.#}\" x2=\"{x:0.##}\" y2=\"{baseline:0.#}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>"));
                svg.AppendLine(Invariant($"<text x=\"{x + 4:0.##}\" y=\"{y0 + 12:0.#}\" fill=\"#333\">new window</text>"));
            }

            svg.AppendLine(Invariant($"<text x=\"14\" y=\"{baseline - 40:0.#}\" fill=\"#777\" transform=\"rotate(-90 14 {baseline - 40:0.#})\" text-anchor=\"middle\">calls/s</text>"));
            svg.AppendLine(Invariant($"<line x1=\"{Left}\" y1=\"{baseline}\" x2=\"{Width - Right}\" y2=\"{baseline}\" stroke=\"#333\"/>"));
            for (int s = 0; s <= seconds; s += 10)
            {
                double x = Left + (s * barWidth);
                svg.AppendLine(Invariant($"<line x1=\"{x:0.##}\" y1=\"{baseline}\" x2=\"{x:0.##}\" y2=\"{baseline + 4}\" stroke=\"#333\"/>"));
                svg.AppendLine(Invariant($"<text x=\"{x:0.##}\" y=\"{baseline + 16}\" text-anchor=\"middle\" fill=\"#333\">{s}s</text>"));
            }
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static int[] PerSecond(Request[] load, Func<int, bool> counted, int seconds)
    {
        var bins = new int[seconds];
        for (int i = 0; i < load.Length; i++)
        {
            int second = (int)load[i].At.TotalSeconds;
            if (second < seconds && counted(i)) bins[second]++;
        }

        return bins;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
