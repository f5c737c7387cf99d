using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// Fixes RCA016 (public method in interceptor mode) and RCA008 (method interceptors cannot call):
/// moves the body into a private <c>{Name}Core</c> method and leaves the method as the
/// <c>partial</c> declaration the generator implements, in the shape the generator requires
/// (accessibility modifier, partial containing types, a Core method with the same signature).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConvertToPartialModeCodeFix))]
public sealed class ConvertToPartialModeCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "RedisCell.Aspects.ConvertToPartialMode";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        [DiagnosticDescriptors.PublicMethodInInterceptorMode.Id, DiagnosticDescriptors.MethodNotAccessible.Id];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is not MethodDeclarationSyntax declaration
                || !CanConvert(declaration, model, context.CancellationToken))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Convert to partial mode",
                    cancellationToken => ConvertAsync(context.Document, declaration, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static bool CanConvert(MethodDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        if (declaration.Body is null && declaration.ExpressionBody is null) return false;
        if (declaration.ExplicitInterfaceSpecifier is not null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return false;
        if (!declaration.Ancestors().OfType<TypeDeclarationSyntax>().Any()) return false;
        if (declaration.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => t is InterfaceDeclarationSyntax)) return false;
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not IMethodSymbol method || !RateLimitAttributes.AnyOn(method)) return false;

        // A Core member that already exists would clash with the one this writes.
        return method.ContainingType.GetMembers(method.Name + "Core").IsEmpty;
    }

    private static async Task<Document> ConvertAsync(Document document, MethodDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        var method = (IMethodSymbol)model.GetDeclaredSymbol(declaration, cancellationToken)!;

        List<TypeDeclarationSyntax> types = declaration.Ancestors().OfType<TypeDeclarationSyntax>().ToList();
        root = root.TrackNodes(types.Cast<SyntaxNode>().Append(declaration));
        MethodDeclarationSyntax current = root.GetCurrentNode(declaration)!;
        root = root.ReplaceNode(current, [Definition(current), Core(current, method)]);

        foreach (TypeDeclarationSyntax type in types)
        {
            TypeDeclarationSyntax currentType = root.GetCurrentNode(type)!;
            if (!currentType.Modifiers.Any(SyntaxKind.PartialKeyword)) root = root.ReplaceNode(currentType, MakePartial(currentType));
        }

        return document.WithSyntaxRoot(root);
    }

    /// <summary>The method without its body: accessibility kept (or 'private' made explicit), 'async' dropped, 'partial' last.</summary>
    private static MethodDeclarationSyntax Definition(MethodDeclarationSyntax declaration)
    {
        var modifiers = declaration.Modifiers.Where(m => !m.IsKind(SyntaxKind.AsyncKeyword)).Select(m => m.WithoutTrivia()).ToList();
        if (!modifiers.Any(IsAccessibility)) modifiers.Insert(0, SyntaxFactory.Token(SyntaxKind.PrivateKeyword));
        modifiers.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword));

        SyntaxTriviaList trailing = declaration.GetLastToken().TrailingTrivia;
        MethodDeclarationSyntax definition = WithModifiers(declaration, modifiers)
            .WithBody(null)
            .WithExpressionBody(null)
            .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(trailing));
        SyntaxToken beforeSemicolon = definition.SemicolonToken.GetPreviousToken();
        return definition.ReplaceToken(beforeSemicolon, beforeSemicolon.WithTrailingTrivia());
    }

    /// <summary>The body under the name <c>{Name}Core</c>: private, no attributes or doc comment, same signature.</summary>
    private static MethodDeclarationSyntax Core(MethodDeclarationSyntax declaration, IMethodSymbol method)
    {
        SyntaxTriviaList leading = (declaration.AttributeLists.Count > 0 ? declaration.AttributeLists[0].GetFirstToken() : declaration.Modifiers.FirstOrDefault() is { RawKind: not 0 } first ? first : declaration.ReturnType.GetFirstToken()).LeadingTrivia;
        SyntaxTrivia? indentation = leading.Reverse().TakeWhile(t => !t.IsKind(SyntaxKind.EndOfLineTrivia) && !t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Cast<SyntaxTrivia?>().FirstOrDefault();
        SyntaxTrivia endOfLine = declaration.SyntaxTree.GetRoot().DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } eol ? eol : SyntaxFactory.EndOfLine("\n");

        var modifiers = new List<SyntaxToken> { SyntaxFactory.Token(SyntaxKind.PrivateKeyword) };
        modifiers.AddRange(declaration.Modifiers
            .Where(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.AsyncKeyword) || m.IsKind(SyntaxKind.UnsafeKeyword) || m.IsKind(SyntaxKind.ReadOnlyKeyword))
            .Select(m => m.WithoutTrivia()));

        MethodDeclarationSyntax core = declaration
            .WithAttributeLists(default)
            .WithIdentifier(SyntaxFactory.Identifier(method.Name + "Core").WithTriviaFrom(declaration.Identifier))
            .WithParameterList(WithoutThis(declaration.ParameterList));
        core = WithModifiers(core, modifiers);
        if (declaration.Modifiers.Any(SyntaxKind.OverrideKeyword) && method.TypeParameters.Length > 0)
        {
            // An override inherits its constraints; a new private method has to state them.
            SyntaxToken closeParen = core.ParameterList.CloseParenToken;
            SyntaxList<TypeParameterConstraintClauseSyntax> inherited = InheritedConstraints(method, closeParen.TrailingTrivia);
            if (inherited.Count > 0)
            {
                core = core.WithParameterList(core.ParameterList.WithCloseParenToken(closeParen.WithTrailingTrivia())).WithConstraintClauses(inherited);
            }
        }

        SyntaxTriviaList coreLeading = indentation is { } indent ? SyntaxFactory.TriviaList(endOfLine, indent) : SyntaxFactory.TriviaList(endOfLine);
        return core.ReplaceToken(core.GetFirstToken(), core.GetFirstToken().WithLeadingTrivia(coreLeading));
    }

    private static SyntaxList<TypeParameterConstraintClauseSyntax> InheritedConstraints(IMethodSymbol method, SyntaxTriviaList trailing)
    {
        var clauses = new List<TypeParameterConstraintClauseSyntax>();
        foreach (ITypeParameterSymbol parameter in method.TypeParameters)
        {
            string text = SymbolText.Constraints(parameter);
            if (text.Length == 0) continue;
            var parsed = (MethodDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration($"void M<{SymbolText.Identifier(parameter.Name)}>() {text};")!;
            clauses.Add(parsed.ConstraintClauses[0].WithAdditionalAnnotations(Simplifier.Annotation).WithLeadingTrivia(SyntaxFactory.Space));
        }

        if (clauses.Count > 0) clauses[clauses.Count - 1] = clauses[clauses.Count - 1].WithTrailingTrivia(trailing);
        return SyntaxFactory.List(clauses);
    }

    private static ParameterListSyntax WithoutThis(ParameterListSyntax parameters)
    {
        if (parameters.Parameters.Count == 0) return parameters;
        ParameterSyntax first = parameters.Parameters[0];
        int index = first.Modifiers.IndexOf(SyntaxKind.ThisKeyword);
        if (index < 0) return parameters;
        SyntaxToken @this = first.Modifiers[index];
        ParameterSyntax changed = first.WithModifiers(first.Modifiers.RemoveAt(index));
        changed = changed.ReplaceToken(changed.GetFirstToken(), changed.GetFirstToken().WithLeadingTrivia(@this.LeadingTrivia));
        return parameters.ReplaceNode(first, changed);
    }

    /// <summary>Replaces the modifiers, keeping the declaration's leading trivia in front of whatever now comes first after the attributes.</summary>
    private static MethodDeclarationSyntax WithModifiers(MethodDeclarationSyntax declaration, List<SyntaxToken> modifiers)
    {
        SyntaxToken oldFirst = declaration.Modifiers.Count > 0 ? declaration.Modifiers[0] : declaration.ReturnType.GetFirstToken();
        SyntaxTriviaList leading = oldFirst.LeadingTrivia;
        if (declaration.Modifiers.Count == 0)
        {
            declaration = declaration.ReplaceToken(oldFirst, oldFirst.WithLeadingTrivia());
        }

        var spaced = modifiers.Select((m, i) => m.WithLeadingTrivia(i == 0 ? leading : default).WithTrailingTrivia(SyntaxFactory.Space));
        return declaration.WithModifiers(SyntaxFactory.TokenList(spaced));
    }

    private static TypeDeclarationSyntax MakePartial(TypeDeclarationSyntax type)
    {
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count > 0) return type.WithModifiers(type.Modifiers.Add(partial));
        return type
            .WithKeyword(type.Keyword.WithLeadingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(type.Keyword.LeadingTrivia)));
    }

    private static bool IsAccessibility(SyntaxToken modifier) =>
        modifier.IsKind(SyntaxKind.PublicKeyword) || modifier.IsKind(SyntaxKind.PrivateKeyword)
        || modifier.IsKind(SyntaxKind.ProtectedKeyword) || modifier.IsKind(SyntaxKind.InternalKeyword);
}
