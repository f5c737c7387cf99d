using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Analyzers;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// Fixes RCA014 and RCA015: copies the rate-limit attributes of the limited implementation or
/// override to the interface or base member that calls bind to, so those calls are intercepted too.
/// </summary>
/// <remarks>
/// The copy limits the same thing: key holes and <c>Quantity</c>/<c>Cost</c> are renamed to the
/// member's parameter names (by position), and an attribute without a key gets the
/// implementation's default key written out, so calls through either method share one Redis key.
/// Offered only when the member is declared in source in the same solution.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CopyAttributeToBaseMemberCodeFix))]
public sealed class CopyAttributeToBaseMemberCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "RedisCell.Aspects.CopyAttributeToBaseMember";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        [DiagnosticDescriptors.AttributeMissingOnBaseMember.Id, DiagnosticDescriptors.CallThroughUnlimitedMember.Id];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => CopyAttributeFixAllProvider.Instance;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            Target? target = await FindTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (target is null) continue;
            string memberName = target.Member.ToDisplayString(SymbolText.Display);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Copy the rate-limit attribute to '{memberName}'",
                    cancellationToken => CopyAsync(context.Document.Project.Solution, [target], cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The member to annotate, where it is declared, and the method whose attributes it gets.</summary>
    internal sealed record Target(IMethodSymbol Member, IMethodSymbol Source, DocumentId Document, SyntaxReference Declaration);

    /// <summary>Resolves the diagnostic's member and source method; null when the member is not declared in this solution's source.</summary>
    internal static async Task<Target?> FindTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(BaseMembers.MemberIdProperty, out string? memberId) || memberId is null) return null;
        if (!diagnostic.Properties.TryGetValue(BaseMembers.SourceIdProperty, out string? sourceId) || sourceId is null) return null;
        Compilation? compilation = await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null) return null;
        if (DocumentationCommentId.GetFirstSymbolForDeclarationId(memberId, compilation) is not IMethodSymbol member) return null;
        if (DocumentationCommentId.GetFirstSymbolForDeclarationId(sourceId, compilation) is not IMethodSymbol source) return null;

        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            if (document.Project.Solution.GetDocument(reference.SyntaxTree) is { } declaringDocument
                && await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is MethodDeclarationSyntax)
            {
                return new Target(member, source, declaringDocument.Id, reference);
            }
        }

        return null;
    }

    /// <summary>Adds the attributes to every target, once per member however many diagnostics point at it.</summary>
    internal static async Task<Solution> CopyAsync(Solution solution, IEnumerable<Target> targets, CancellationToken cancellationToken)
    {
        foreach (IGrouping<DocumentId, Target> byDocument in targets.GroupBy(t => t.Document))
        {
            Document document = solution.GetDocument(byDocument.Key)!;
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
            var perMember = byDocument
                .GroupBy(t => t.Declaration.Span)
                .ToDictionary(g => root.FindNode(g.Key), g => g.First());

            bool needsUsing = false;
            string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } found ? found : "\n";
            SyntaxNode newRoot = root.ReplaceNodes(perMember.Keys, (original, _) =>
            {
                var declaration = (MethodDeclarationSyntax)original;
                Target target = perMember[original];
                var copies = AttributeCopies(target, cancellationToken);
                needsUsing |= copies.Any(c => NeedsNamespace(c.Copy, c.Class, model, declaration.SpanStart));
                return AddAttributes(declaration, copies.Select(c => c.Copy).ToList(), newLine);
            });

            if (needsUsing && newRoot is CompilationUnitSyntax unit) newRoot = AddUsing(unit, newLine);
            solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
        }

        return solution;
    }

    private static List<(AttributeSyntax Copy, INamedTypeSymbol Class)> AttributeCopies(Target target, CancellationToken cancellationToken)
    {
        var renames = new Dictionary<string, string>();
        for (int i = 0; i < target.Source.Parameters.Length && i < target.Member.Parameters.Length; i++)
        {
            if (target.Source.Parameters[i].Name != target.Member.Parameters[i].Name)
            {
                renames[target.Source.Parameters[i].Name] = target.Member.Parameters[i].Name;
            }
        }

        string defaultKey = target.Source.ToDisplayString(SymbolText.MethodKey);
        var copies = new List<(AttributeSyntax, INamedTypeSymbol)>();
        foreach (AttributeData attribute in target.Source.GetAttributes())
        {
            if (RateLimitAttributes.KindOf(attribute) is not { } kind) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax) continue;
            copies.Add((AttributeRewriter.Copy(syntax, kind, renames, defaultKey), attribute.AttributeClass!));
        }

        return copies;
    }

    /// <summary>True when the copy names the attribute by a simple name that does not resolve where it goes.</summary>
    private static bool NeedsNamespace(AttributeSyntax copy, INamedTypeSymbol attributeClass, SemanticModel model, int position) =>
        copy.Name is IdentifierNameSyntax
        && !model.LookupNamespacesAndTypes(position, name: attributeClass.Name).Contains(attributeClass, SymbolEqualityComparer.Default);

    private static MethodDeclarationSyntax AddAttributes(MethodDeclarationSyntax declaration, List<AttributeSyntax> copies, string newLine)
    {
        SyntaxTriviaList leading = declaration.GetLeadingTrivia();
        int lastLine = -1;
        for (int i = 0; i < leading.Count; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia) || leading[i].IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)) lastLine = i;
        }

        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Skip(lastLine + 1).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
        SyntaxTrivia endOfLine = SyntaxFactory.EndOfLine(newLine);
        var lists = new List<AttributeListSyntax>();
        foreach (AttributeSyntax copy in copies)
        {
            lists.Add(SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(copy))
                .WithLeadingTrivia(indentation)
                .WithTrailingTrivia(endOfLine));
        }

        if (declaration.AttributeLists.Count > 0) return declaration.WithAttributeLists(declaration.AttributeLists.AddRange(lists));

        // The declaration's own leading trivia (blank lines, doc comment) moves in front of the attributes.
        lists[0] = lists[0].WithLeadingTrivia(leading);
        return declaration.WithoutLeadingTrivia().WithLeadingTrivia(indentation).WithAttributeLists(SyntaxFactory.List(lists));
    }

    private static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit, string newLine)
    {
        UsingDirectiveSyntax directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(RateLimitAttributes.Namespace))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
        int index = 0;
        while (index < unit.Usings.Count
            && unit.Usings[index].Alias is null
            && unit.Usings[index].StaticKeyword.IsKind(SyntaxKind.None)
            && string.CompareOrdinal(unit.Usings[index].Name?.ToString(), RateLimitAttributes.Namespace) < 0)
        {
            index++;
        }

        if (unit.Usings.Count == 0)
        {
            // Keep the file's leading comments (license headers) above the new directive.
            SyntaxTriviaList leading = unit.GetLeadingTrivia();
            unit = unit.WithoutLeadingTrivia();
            directive = directive.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine), SyntaxFactory.EndOfLine(newLine));
        }

        return unit.WithUsings(unit.Usings.Insert(index, directive));
    }
}
