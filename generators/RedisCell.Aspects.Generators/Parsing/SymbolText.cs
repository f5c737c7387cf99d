using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>How symbols are written into generated code and keys.</summary>
internal static class SymbolText
{
    /// <summary><c>global::</c>-qualified, with nullable annotations: safe in any generated namespace.</summary>
    public static readonly SymbolDisplayFormat Type = SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(
        SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// The method's full name and parameter types, as in <c>MyApp.Orders.Place(int, string)</c>:
    /// the key of an attribute without one, the same in every compilation that sees the method.
    /// </summary>
    public static readonly SymbolDisplayFormat MethodKey = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeModifiers,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>Short, for diagnostics: <c>Orders.Place(int, string)</c>.</summary>
    public static readonly SymbolDisplayFormat Display = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>
    /// A method's identity, as declared (not a generic instantiation), in <see cref="MethodKey"/>'s
    /// format: the same for a symbol read from source or from metadata, so compilations agree on it.
    /// </summary>
    public static string MemberId(IMethodSymbol method) => method.OriginalDefinition.ToDisplayString(MethodKey);

    public static string Of(ITypeSymbol type) => type.ToDisplayString(Type);

    /// <summary>As <see cref="Of(ITypeSymbol)"/>, with some type parameters written under other names.</summary>
    public static string Of(ITypeSymbol type, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames)
    {
        if (renames is null || renames.Count == 0) return Of(type);
        var text = new System.Text.StringBuilder();
        foreach (SymbolDisplayPart part in type.ToDisplayParts(Type))
        {
            text.Append(part.Kind == SymbolDisplayPartKind.TypeParameterName && part.Symbol is ITypeParameterSymbol parameter && renames.TryGetValue(parameter, out string? renamed)
                ? renamed
                : part.ToString());
        }

        return text.ToString();
    }

    /// <summary>The name <paramref name="parameter"/> is written with, after <paramref name="renames"/>.</summary>
    public static string NameOf(ITypeParameterSymbol parameter, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames) =>
        renames is not null && renames.TryGetValue(parameter, out string? renamed) ? renamed : Identifier(parameter.Name);

    /// <summary>An identifier as C# needs it written: keywords get an <c>@</c>.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>The <c>where</c> clause of <paramref name="parameter"/>, or empty when unconstrained.</summary>
    public static string Constraints(ITypeParameterSymbol parameter, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames = null)
    {
        var parts = new List<string>();
        if (parameter.HasReferenceTypeConstraint)
        {
            parts.Add(parameter.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
        }
        else if (parameter.HasUnmanagedTypeConstraint)
        {
            parts.Add("unmanaged");
        }
        else if (parameter.HasValueTypeConstraint)
        {
            parts.Add("struct");
        }
        else if (parameter.HasNotNullConstraint)
        {
            parts.Add("notnull");
        }

        for (int i = 0; i < parameter.ConstraintTypes.Length; i++)
        {
            ITypeSymbol constraint = parameter.ConstraintTypes[i];
            if (parameter.ConstraintNullableAnnotations.Length > i)
            {
                constraint = constraint.WithNullableAnnotation(parameter.ConstraintNullableAnnotations[i]);
            }

            parts.Add(Of(constraint, renames));
        }

        if (parameter.HasConstructorConstraint && !parameter.HasValueTypeConstraint) parts.Add("new()");
        if (parameter.AllowsRefLikeType) parts.Add("allows ref struct");
        return parts.Count == 0 ? "" : $"where {NameOf(parameter, renames)} : {string.Join(", ", parts)}";
    }
}
