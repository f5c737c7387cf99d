using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// RCA003 (reported by the generator): replaces a key template's unknown name with the closest
/// parameter name, in every hole that uses it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KeyTemplateUnknownParameterCodeFix))]
public sealed class KeyTemplateUnknownParameterCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.KeyTemplateUnknownParameter.Id];

    // One key for every unambiguous choice, so fix-all corrects each template to its own closest
    // parameter; a tie gets a key per parameter, so fix-all never picks for the user.
    private const string ClosestKey = "RCA003:UseClosestParameter";

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticInfo.SubjectProperty, out string? unknown) || unknown is null) continue;
            // The generator chose them (ClosestName) for the message; the fix offers the same ones.
            if (!diagnostic.Properties.TryGetValue(DiagnosticInfo.SuggestionsProperty, out string? suggested) || string.IsNullOrEmpty(suggested)) continue;
            string[] closest = suggested!.Split(',');
            AttributeSyntax? attribute = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            if (attribute?.Parent?.Parent is not MethodDeclarationSyntax declaration) continue;
            if (model.GetDeclaredSymbol(declaration, context.CancellationToken) is not IMethodSymbol method) continue;
            AttributeData? data = method.GetAttributes().FirstOrDefault(a => a.ApplicationSyntaxReference?.Span == attribute.Span);
            if (data is null) continue;
            LiteralExpressionSyntax? literal = TemplateLiteral.Of(KeyTemplateArgument.Find(attribute, data));
            if (literal is null) continue;

            foreach (string parameter in closest)
            {
                IReadOnlyList<TextChange>? changes = Rename(literal.Token, unknown, parameter);
                if (changes is null || changes.Count == 0) continue;
                string title = $"Use parameter '{parameter}'";
                context.RegisterCodeFix(
                    CodeAction.Create(title, cancellationToken => TemplateLiteral.Apply(context.Document, changes, cancellationToken), equivalenceKey: closest.Length == 1 ? ClosestKey : ClosestKey + ":" + parameter),
                    diagnostic);
            }
        }
    }

    /// <summary>Every hole rooted at <paramref name="unknown"/>, rewritten to start at <paramref name="parameter"/>.</summary>
    private static IReadOnlyList<TextChange>? Rename(SyntaxToken literal, string unknown, string parameter)
    {
        string template = literal.ValueText;
        KeyTemplate parsed = KeyTemplate.Parse(template);
        if (parsed.Error is not null) return null;
        var holes = new List<(int, int, string)>();
        foreach (KeyTemplateSegment segment in parsed.Segments)
        {
            if (!segment.IsHole || KeyTemplateArgument.RootOf(segment.Path!) != unknown) continue;
            string hole = template.Substring(segment.Position, segment.Length);
            int dot = segment.Path!.IndexOf('.');
            string members = dot < 0 ? "" : segment.Path.Substring(dot);
            holes.Add((segment.Position, segment.Length, hole[0] + SymbolText.Identifier(parameter) + members + hole[hole.Length - 1]));
        }

        return TemplateLiteral.Changes(literal, holes);
    }
}
