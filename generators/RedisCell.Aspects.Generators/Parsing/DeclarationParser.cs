using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// The declaration step: decides which mode an attributed method is in and hands it to the parser
/// of that mode. Nothing it returns holds a symbol, syntax node or compilation.
/// </summary>
internal static class DeclarationParser
{
    /// <summary>
    /// Parses an attributed method found through <paramref name="kind"/>'s attribute. A method with
    /// several kinds is parsed once, by the step of its first kind (in enum order); the others return null.
    /// </summary>
    public static DeclarationResult? ParseDeclaration(GeneratorAttributeSyntaxContext context, RateLimitAttributeKind kind, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method) return null;
        // The parts of a partial method share one attribute list, but each step visits only the
        // part whose syntax carries its attribute: a part's owner is the first kind written on it.
        bool partialPart = method.IsPartialDefinition || method.PartialDefinitionPart is not null;
        RateLimitAttributeKind? owner = (partialPart ? KindsWrittenOn(method, context.TargetNode) : method.GetAttributes().Select(RateLimitAttributes.KindOf)).Where(k => k is not null).Min();
        if (owner != kind) return null;

        Compilation compilation = context.SemanticModel.Compilation;
        var diagnostics = new List<DiagnosticInfo>();
        PartialMethodModel? partial = null;
        if (method.IsPartialDefinition)
        {
            partial = PartialParser.ParsePartial(method, (MethodDeclarationSyntax)context.TargetNode, compilation, diagnostics, cancellationToken);
        }
        else if (method.PartialDefinitionPart is { } definition)
        {
            // When the definition carries an attribute too, it reports the method; otherwise nothing
            // else would, and calls skip partial methods as self-limiting.
            if (definition.DeclaringSyntaxReferences.Any(r => KindsWrittenOn(definition, r.GetSyntax(cancellationToken)).Any(k => k is not null))) return null;
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedMethod,
                LocationInfo.From(((MethodDeclarationSyntax)context.TargetNode).Identifier.GetLocation()),
                method.ToDisplayString(SymbolText.Display),
                DiagnosticMessages.AttributeOnPartialImplementation(method.Name)));
        }
        else
        {
            // Interceptor mode: call sites emit the code; the declaration only reports what is wrong, once.
            TargetParser.ParseTarget(method, compilation, interceptorMode: true, diagnostics, cancellationToken);
        }

        return new DeclarationResult(diagnostics.Count == 0 ? partial : null, diagnostics.ToEquatableArray());
    }

    private static IEnumerable<RateLimitAttributeKind?> KindsWrittenOn(IMethodSymbol method, SyntaxNode declaration) =>
        method.GetAttributes()
            .Where(a => a.ApplicationSyntaxReference is { } applied && applied.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(applied.Span))
            .Select(RateLimitAttributes.KindOf);
}
