using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// Partial mode's checks: the definition is accessible, not yet implemented, in partial types and
/// beside a matching <c>…Core</c> method; and the file the implementation is written to.
/// </summary>
internal static class PartialParser
{
    /// <summary>
    /// Parses a partial definition, or returns null and adds what prevents implementing it to
    /// <paramref name="diagnostics"/>.
    /// </summary>
    public static PartialMethodModel? ParsePartial(
        IMethodSymbol method,
        MethodDeclarationSyntax declaration,
        Compilation compilation,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        string display = method.ToDisplayString(SymbolText.Display);
        LocationInfo? location = LocationInfo.From(declaration.Identifier.GetLocation());
        int before = diagnostics.Count;

        if (!declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword)
            || m.IsKind(SyntaxKind.InternalKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword)))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialNeedsAccessibility, location, display));
        }

        if (method.PartialImplementationPart is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedMethod, location, display,
                DiagnosticMessages.PartialAlreadyImplemented(method.Name)));
        }

        var types = new List<ContainingTypeModel>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            TypeDeclarationSyntax? typeSyntax = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (typeSyntax is null || !typeSyntax.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialTypeNotPartial, location, display, type.ToDisplayString(SymbolText.Display)));
                break;
            }

            string keyword = typeSyntax switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => typeSyntax.Keyword.ValueText,
            };
            string name = SymbolText.Identifier(type.Name)
                + (type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(p => SymbolText.Identifier(p.Name))) + ">");
            types.Insert(0, new ContainingTypeModel(keyword, name));
        }

        string coreName = method.Name + "Core";
        IMethodSymbol[] cores = CoreMethod.CandidatesFor(method);
        (IMethodSymbol? core, IMethodSymbol? closest, string? difference) = CoreMethod.Match(method, cores);
        if (cores.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialCoreMissing, location, display, coreName));
        }
        else if (core is null)
        {
            // With ref/out/in shown: they are often the difference.
            SymbolDisplayFormat signature = SymbolText.Display.AddParameterOptions(SymbolDisplayParameterOptions.IncludeModifiers)
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.PartialCoreSignatureMismatch, location, method.ToDisplayString(signature), closest!.ToDisplayString(signature), difference!));
        }

        TargetMethod? target = TargetParser.ParseTarget(method, compilation, interceptorMode: false, diagnostics, cancellationToken);
        if (target is null || diagnostics.Count > before) return null;

        string modifiers = string.Join(" ", declaration.Modifiers.Select(m => m.ValueText));
        string byRef = method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : "";
        string? ns = method.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace ? containingNamespace.ToDisplayString() : null;
        return new PartialMethodModel(target, ns, types.ToEquatableArray(), modifiers, byRef, HintName(target.Id), DispatchedMembers.IdsReaching(method));
    }

    /// <summary>A file name from a method identity: readable, and unique through a hash of the whole identity.</summary>
    private static string HintName(string id)
    {
        var readable = new StringBuilder();
        foreach (char c in id)
        {
            if (c == '(') break;
            readable.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
        }

        // FNV-1a: stable across processes, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in id) hash = unchecked((hash ^ c) * 16777619);
        return $"{readable}.{hash:x8}.g.cs";
    }
}
