using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// A Lua script the limiter sends, with the SHA-1 that <c>EVALSHA</c> needs. The algorithms'
/// functions (<c>cl_throttle.lua</c>, <c>fixed_window.lua</c>) are composed with a driver
/// (<c>batch.lua</c>, <c>multi.lua</c>) into the scripts the server runs.
/// </summary>
internal sealed class RedisScript
{
    // Marks where a script's stand-alone entry code starts; composed scripts keep only what is above.
    private const string EntryMarker = "-- @entry";

    private RedisScript(string text)
    {
        Text = text;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>redis-cell's <c>CL.THROTTLE</c>, stand-alone: the file the package ships for servers without the module (the limiter sends <see cref="Batch"/>).</summary>
    public static RedisScript ClThrottle { get; } = new(Load("cl_throttle.lua"));

    /// <summary>Several rules decided together: the algorithms' functions and the multi-rule driver.</summary>
    public static RedisScript Multi { get; } = new(AlgorithmFunctions() + Load("multi.lua"));

    /// <summary>Independent decisions that arrived together, each decided and written in turn: the algorithms' functions and the batch driver.</summary>
    public static RedisScript Batch { get; } = new(AlgorithmFunctions() + Load("batch.lua"));

    /// <summary>The scripts decisions send: <see cref="Batch"/> for single rules (alone or batched), <see cref="Multi"/> for several.</summary>
    public static RedisScript[] Sent { get; } = [Batch, Multi];

    /// <summary>The script source.</summary>
    public string Text { get; }

    /// <summary>The SHA-1 of <see cref="Text"/>, as <c>EVALSHA</c> expects it.</summary>
    public byte[] Hash { get; }

    /// <summary>The SHA-1 as lower-case hex.</summary>
    public string HashHex => Convert.ToHexString(Hash).ToLowerInvariant();

    /// <summary>Reads one of the embedded scripts.</summary>
    public static string Load(string fileName)
    {
        using Stream stream = typeof(RedisScript).Assembly.GetManifestResourceStream("RedisCell.Aspects.Scripts." + fileName)
            ?? throw new InvalidOperationException($"The embedded script {fileName} is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Replace("\r\n", "\n");
    }

    private static string AlgorithmFunctions() => FunctionsOf(Load("cl_throttle.lua")) + FunctionsOf(Load("fixed_window.lua"));

    private static string FunctionsOf(string script)
    {
        int entry = script.IndexOf(EntryMarker, StringComparison.Ordinal);
        if (entry < 0) throw new InvalidOperationException("An embedded script has no '" + EntryMarker + "' section.");
        return script.Substring(0, entry);
    }
}
