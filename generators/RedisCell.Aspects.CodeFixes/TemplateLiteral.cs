using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// Edits holes of a key template in the string literal that wrote it, leaving every other
/// character of the source (escapes, <c>{{</c>, <c>}}</c>, the literal's form) as it was.
/// </summary>
/// <remarks>
/// A hole's text (<c>{user.Id}</c>, <c>&lt;id&gt;</c>) is braces or angle brackets around
/// identifiers and dots, none of which a regular, verbatim or raw literal needs to escape. So the
/// k-th occurrence of that text in the literal's value is its k-th occurrence in the source — as
/// long as the source has exactly as many occurrences as the value. When it has fewer, the hole
/// was written with escape sequences (<c>\u003Cid&gt;</c>) and no edit is offered.
/// </remarks>
internal static class TemplateLiteral
{
    /// <summary>
    /// The literal that wrote a template argument, or null when the argument is a constant's name,
    /// a concatenation or an interpolated string, which a fix cannot edit in place.
    /// </summary>
    public static LiteralExpressionSyntax? Of(SyntaxNode? node) =>
        node is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal : null;

    /// <summary>
    /// Source changes replacing each hole (position and length in the literal's value) with its
    /// replacement, or null when one of them cannot be located in the source.
    /// </summary>
    public static IReadOnlyList<TextChange>? Changes(SyntaxToken literal, IEnumerable<(int Position, int Length, string Replacement)> holes)
    {
        string value = literal.ValueText;
        string source = literal.Text;
        var changes = new List<TextChange>();
        foreach ((int position, int length, string replacement) in holes)
        {
            string hole = value.Substring(position, length);
            List<int> inValue = Occurrences(value, hole);
            List<int> inSource = Occurrences(source, hole);
            int index = inValue.IndexOf(position);
            if (index < 0 || inValue.Count != inSource.Count) return null;
            changes.Add(new TextChange(new TextSpan(literal.SpanStart + inSource[index], length), replacement));
        }

        return changes;
    }

    private static List<int> Occurrences(string text, string part)
    {
        var found = new List<int>();
        for (int i = text.IndexOf(part, System.StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, System.StringComparison.Ordinal))
        {
            found.Add(i);
        }

        return found;
    }

    /// <summary>The document with <paramref name="changes"/> applied.</summary>
    public static async Task<Document> Apply(Document document, IReadOnlyList<TextChange> changes, CancellationToken cancellationToken)
    {
        SourceText text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        return document.WithText(text.WithChanges(changes));
    }
}
