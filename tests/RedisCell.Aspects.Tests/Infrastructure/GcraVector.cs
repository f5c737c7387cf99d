using System.Text.Json;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>One call recorded from the real redis-cell module (SPEC §1, reference/gcra/*.jsonl).</summary>
public sealed record GcraVector(
    string File,
    int Line,
    long NowNs,
    string Key,
    long MaxBurst,
    long Count,
    long Period,
    long Quantity,
    long[] Reply,
    string? Stored,
    long Pttl)
{
    /// <summary>The folder named by GCRA_VECTORS_DIR, else the copy shipped with the tests.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("GCRA_VECTORS_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "Vectors", "gcra");

    /// <summary>Every *.jsonl file in <see cref="Directory"/>, as theory data.</summary>
    public static TheoryData<string> Files
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string file in System.IO.Directory.GetFiles(Directory, "*.jsonl").OrderBy(f => f, StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(file));
            }

            return data;
        }
    }

    public static IReadOnlyList<GcraVector> Load(string fileName)
    {
        var vectors = new List<GcraVector>();
        int line = 0;
        foreach (string text in System.IO.File.ReadLines(Path.Combine(Directory, fileName)))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using JsonDocument json = JsonDocument.Parse(text);
            JsonElement root = json.RootElement;
            JsonElement cmd = root.GetProperty("cmd");
            vectors.Add(new GcraVector(
                fileName,
                line,
                root.GetProperty("now_ns").GetInt64(),
                cmd[0].GetString()!,
                cmd[1].GetInt64(),
                cmd[2].GetInt64(),
                cmd[3].GetInt64(),
                cmd[4].GetInt64(),
                root.GetProperty("reply").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                root.GetProperty("stored").ValueKind == JsonValueKind.Null ? null : root.GetProperty("stored").GetString(),
                root.GetProperty("pttl").GetInt64()));
        }

        if (vectors.Count == 0) throw new InvalidOperationException($"{fileName} holds no vectors.");
        return vectors;
    }

    /// <summary>
    /// The state after the call as compared: the module keeps a key whose TTL truncated to 0 ms
    /// alive for the rest of that millisecond; Redis refuses PX 0, so the script deletes it.
    /// SPEC §1 counts both as the same state.
    /// </summary>
    public (string? Stored, long Pttl) ExpectedState(string? actualStored) =>
        Pttl == 0 && actualStored is null ? (null, -2) : (Stored, Pttl);

    public override string ToString() => $"{File}:{Line} now={NowNs} CL.THROTTLE {Key} {MaxBurst} {Count} {Period} {Quantity}";
}
