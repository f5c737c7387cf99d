using System.Text;

namespace RedisCell.Aspects.Generators.Emitting;

/// <summary>Writes indented C# lines.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _depth * 4).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="line"/> (when not empty) and an opening brace, and indents.</summary>
    public void Open(string line)
    {
        if (line.Length > 0) Line(line);
        Line("{");
        _depth++;
    }

    /// <summary>Outdents and writes a closing brace.</summary>
    public void Close()
    {
        _depth--;
        Line("}");
    }

    public override string ToString() => _text.ToString();
}
