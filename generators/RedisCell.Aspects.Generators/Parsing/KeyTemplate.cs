using System.Collections.Generic;
using System.Text;
using RedisCell.Aspects.Generators.Diagnostics;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// A key template split into literal text and holes, without any semantic information, so the
/// generator and the analyzers read templates the same way.
/// </summary>
/// <remarks>
/// Grammar: <c>{path}</c> and <c>&lt;path&gt;</c> are holes, where a path is identifiers joined by
/// dots (<c>request.Tenant.Id</c>); <c>{{</c> and <c>}}</c> are literal braces; every other
/// character, including a <c>&lt;</c> that does not start a hole, is literal.
/// </remarks>
internal sealed class KeyTemplate
{
    private KeyTemplate(IReadOnlyList<KeyTemplateSegment> segments, string? error, int errorPosition)
    {
        Segments = segments;
        Error = error;
        ErrorPosition = errorPosition;
    }

    /// <summary>The literal runs and holes, in order; adjacent literal text is merged.</summary>
    public IReadOnlyList<KeyTemplateSegment> Segments { get; }

    /// <summary>Why the template is malformed (RCA002's reason), or null.</summary>
    public string? Error { get; }

    /// <summary>Where in the template the error is, or -1.</summary>
    public int ErrorPosition { get; }

    /// <summary>Parses <paramref name="template"/>.</summary>
    public static KeyTemplate Parse(string template)
    {
        var segments = new List<KeyTemplateSegment>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c == '{')
            {
                if (i + 1 < template.Length && template[i + 1] == '{')
                {
                    literal.Append('{');
                    i += 2;
                    continue;
                }

                int close = template.IndexOf('}', i + 1);
                if (close < 0) return Fail(DiagnosticMessages.BraceNeverClosed(i), i);
                string path = template.Substring(i + 1, close - i - 1);
                string? problem = CheckPath(path);
                if (problem is not null) return Fail(DiagnosticMessages.HoleMalformed(path, i, problem), i);
                Flush(segments, literal);
                segments.Add(KeyTemplateSegment.Hole(path, i, close - i + 1));
                i = close + 1;
            }
            else if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    literal.Append('}');
                    i += 2;
                    continue;
                }

                return Fail(DiagnosticMessages.BraceClosesNothing(i), i);
            }
            else if (c == '<' && TryReadAlias(template, i, out string? aliasPath, out int aliasEnd))
            {
                Flush(segments, literal);
                segments.Add(KeyTemplateSegment.Hole(aliasPath!, i, aliasEnd - i + 1));
                i = aliasEnd + 1;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }

        Flush(segments, literal);
        return new KeyTemplate(segments, null, -1);

        static KeyTemplate Fail(string error, int position) => new(new List<KeyTemplateSegment>(), error, position);
    }

    private static void Flush(List<KeyTemplateSegment> segments, StringBuilder literal)
    {
        if (literal.Length == 0) return;
        segments.Add(KeyTemplateSegment.Literal(literal.ToString()));
        literal.Clear();
    }

    private static bool TryReadAlias(string template, int open, out string? path, out int close)
    {
        path = null;
        close = template.IndexOf('>', open + 1);
        if (close < 0) return false;
        string candidate = template.Substring(open + 1, close - open - 1);
        if (CheckPath(candidate) is not null) return false;
        path = candidate;
        return true;
    }

    private static string? CheckPath(string path)
    {
        if (path.Length == 0) return DiagnosticMessages.HoleEmpty;
        foreach (string part in path.Split('.'))
        {
            if (!IsIdentifier(part)) return DiagnosticMessages.NotAnIdentifier(part);
        }

        return null;
    }

    private static bool IsIdentifier(string text)
    {
        if (text.Length == 0) return false;
        int start = text[0] == '@' ? 1 : 0;
        if (start == text.Length) return false;
        if (!(char.IsLetter(text[start]) || text[start] == '_')) return false;
        for (int i = start + 1; i < text.Length; i++)
        {
            if (!(char.IsLetterOrDigit(text[i]) || text[i] == '_')) return false;
        }

        return true;
    }
}

/// <summary>One part of a <see cref="KeyTemplate"/>: literal text, or a hole naming a value.</summary>
internal sealed class KeyTemplateSegment
{
    private KeyTemplateSegment(string? text, string? path, int position, int length)
    {
        Text = text;
        Path = path;
        Position = position;
        Length = length;
    }

    /// <summary>The literal text (braces unescaped), or null for a hole.</summary>
    public string? Text { get; }

    /// <summary>The hole's path (<c>request.Tenant.Id</c>), or null for literal text.</summary>
    public string? Path { get; }

    /// <summary>Where the hole starts in the template (-1 for literal text).</summary>
    public int Position { get; }

    /// <summary>How many template characters the hole spans, delimiters included.</summary>
    public int Length { get; }

    public bool IsHole => Path is not null;

    public static KeyTemplateSegment Literal(string text) => new(text, null, -1, 0);

    public static KeyTemplateSegment Hole(string path, int position, int length) => new(null, path, position, length);
}
