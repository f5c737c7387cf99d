using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// Copies a rate-limit attribute from one method to another whose parameters may have other
/// names, so that the copy limits the same calls with the same key.
/// </summary>
internal static class AttributeRewriter
{
    /// <summary>
    /// A copy of <paramref name="attribute"/> with parameter names in its key template and
    /// <c>Quantity</c>/<c>Cost</c> replaced through <paramref name="renames"/>; an attribute without a
    /// key gets <c>Key = <paramref name="defaultKey"/></c> (the key it had by default), when that text
    /// reads back as a plain literal template.
    /// </summary>
    public static AttributeSyntax Copy(AttributeSyntax attribute, RateLimitAttributeKind kind, IReadOnlyDictionary<string, string> renames, string defaultKey)
    {
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        bool keyed = kind is RateLimitAttributeKind.Throttle or RateLimitAttributeKind.TokenBudget;
        var rewritten = new List<AttributeArgumentSyntax>();
        int positional = 0;
        foreach (AttributeArgumentSyntax argument in arguments.Arguments)
        {
            string? property = argument.NameEquals?.Name.Identifier.ValueText;
            bool isKey = property == "Key"
                || (property is null && keyed && (argument.NameColon is null ? positional == 0 : argument.NameColon.Name.Identifier.ValueText == "key"));
            if (property is null && argument.NameColon is null) positional++;
            if (property == "Key") keyed = true;

            if (isKey && AsString(argument.Expression) is { } template && RenameHoles(template, renames) is { } renamed)
            {
                rewritten.Add(argument.WithExpression(StringLiteral(renamed).WithTriviaFrom(argument.Expression)));
            }
            else if (property is "Quantity" or "Cost")
            {
                rewritten.Add(argument.WithExpression(RenameParameterReference(argument.Expression, renames)));
            }
            else
            {
                rewritten.Add(argument);
            }
        }

        if (!keyed && IsPlainLiteralTemplate(defaultKey))
        {
            rewritten.Add(SyntaxFactory.AttributeArgument(StringLiteral(defaultKey))
                .WithNameEquals(SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName("Key"))
                    .WithEqualsToken(SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))));
        }

        var separators = Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), System.Math.Max(0, rewritten.Count - 1));
        return attribute.WithoutTrivia().WithArgumentList(arguments.WithArguments(SyntaxFactory.SeparatedList(rewritten, separators)));
    }

    private static string? AsString(ExpressionSyntax expression) =>
        expression is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal.Token.ValueText : null;

    private static LiteralExpressionSyntax StringLiteral(string text) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(text));

    /// <summary>The template with renamed holes, or null when nothing changes or it does not parse.</summary>
    private static string? RenameHoles(string template, IReadOnlyDictionary<string, string> renames)
    {
        KeyTemplate parsed = KeyTemplate.Parse(template);
        if (parsed.Error is not null) return null;
        var result = new StringBuilder();
        int copied = 0;
        bool changed = false;
        foreach (KeyTemplateSegment hole in parsed.Segments.Where(s => s.IsHole))
        {
            string path = hole.Path!;
            int dot = path.IndexOf('.');
            string first = dot < 0 ? path : path.Substring(0, dot);
            if (!renames.TryGetValue(first.TrimStart('@'), out string? replacement)) continue;
            result.Append(template, copied, hole.Position + 1 - copied);
            result.Append(SymbolText.Identifier(replacement)).Append(dot < 0 ? "" : path.Substring(dot));
            copied = hole.Position + hole.Length - 1;
            changed = true;
        }

        return changed ? result.Append(template, copied, template.Length - copied).ToString() : null;
    }

    private static ExpressionSyntax RenameParameterReference(ExpressionSyntax expression, IReadOnlyDictionary<string, string> renames)
    {
        if (AsString(expression) is { } name)
        {
            return renames.TryGetValue(name, out string? renamed) ? StringLiteral(renamed).WithTriviaFrom(expression) : expression;
        }

        // nameof(parameter)
        if (expression is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" }, ArgumentList.Arguments: { Count: 1 } nameofArguments }
            && nameofArguments[0].Expression is IdentifierNameSyntax parameter
            && renames.TryGetValue(parameter.Identifier.ValueText, out string? target))
        {
            return expression.ReplaceNode(parameter, SyntaxFactory.IdentifierName(SymbolText.Identifier(target)).WithTriviaFrom(parameter));
        }

        return expression;
    }

    private static bool IsPlainLiteralTemplate(string text)
    {
        KeyTemplate parsed = KeyTemplate.Parse(text);
        return parsed.Error is null && parsed.Segments.Count == 1 && parsed.Segments[0].Text == text;
    }
}
