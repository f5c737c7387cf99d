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

/// <summary>RCA017: rewrites every <c>&lt;x&gt;</c> hole of a key template as <c>{x}</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KeyTemplateAngleAliasCodeFix))]
public sealed class KeyTemplateAngleAliasCodeFix : CodeFixProvider
{
    private const string Title = "Write holes as {parameter}";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.KeyTemplateAngleAlias.Id];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            LiteralExpressionSyntax? literal = TemplateLiteral.Of(root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true));
            if (literal is null) continue;
            string template = literal.Token.ValueText;
            KeyTemplate parsed = KeyTemplate.Parse(template);
            if (parsed.Error is not null) continue;
            IEnumerable<(int, int, string)> holes = parsed.Segments
                .Where(segment => KeyTemplateArgument.IsAngleAlias(template, segment))
                .Select(segment => (segment.Position, segment.Length, "{" + segment.Path + "}"));
            IReadOnlyList<TextChange>? changes = TemplateLiteral.Changes(literal.Token, holes);
            if (changes is null || changes.Count == 0) continue;

            context.RegisterCodeFix(
                CodeAction.Create(Title, cancellationToken => TemplateLiteral.Apply(context.Document, changes, cancellationToken), equivalenceKey: Title),
                diagnostic);
        }
    }
}
