using System.Linq;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Diagnostics;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// Finds the <c>{Name}Core</c> method a partial-mode method's implementation calls, and says how
/// the candidates differ from it. The generated code calls <c>this.NameCore&lt;T…&gt;(args)</c>
/// (or <c>NameCore&lt;T…&gt;(args)</c> when static), passes each argument with its parameter's
/// modifier and returns Core's result (by <c>ref</c>, or awaited after the limiter). Core must have
/// the method's signature: same static-ness, type parameters, parameter types and modifiers, and
/// return type. Looser matches that would still bind (a wider parameter type, an extra optional
/// parameter) are refused too: Core is the method's body moved, and exact signatures keep the
/// generated call from resolving to a different overload.
/// </summary>
internal static class CoreMethod
{
    /// <summary>The candidates: methods named <c>{Name}Core</c> declared in the method's type.</summary>
    public static IMethodSymbol[] CandidatesFor(IMethodSymbol method) =>
        method.ContainingType.GetMembers(method.Name + "Core").OfType<IMethodSymbol>().ToArray();

    /// <summary>
    /// The candidate with the method's signature, or null with the closest candidate and what
    /// differs (phrased to follow "but").
    /// </summary>
    public static (IMethodSymbol? Match, IMethodSymbol? Closest, string? Difference) Match(IMethodSymbol method, IMethodSymbol[] candidates)
    {
        IMethodSymbol? closest = null;
        string? difference = null;
        foreach (IMethodSymbol candidate in candidates.OrderBy(c => c.Parameters.Length == method.Parameters.Length ? 0 : 1))
        {
            string? problem = DifferenceOf(method, candidate);
            if (problem is null) return (candidate, null, null);
            if (closest is null)
            {
                closest = candidate;
                difference = problem;
            }
        }

        return (null, closest, difference);
    }

    private static string? DifferenceOf(IMethodSymbol method, IMethodSymbol core)
    {
        if (core.IsStatic != method.IsStatic)
        {
            return core.IsStatic ? DiagnosticMessages.CoreIsStatic : DiagnosticMessages.CoreIsInstance;
        }

        if (core.TypeParameters.Length != method.TypeParameters.Length)
        {
            return DiagnosticMessages.CoreTypeParameterCount(core.TypeParameters.Length, method.TypeParameters.Length);
        }

        string? constraints = ConstraintDifference(method, core);
        if (constraints is not null) return constraints;

        if (core.IsGenericMethod) core = core.Construct(method.TypeParameters.Cast<ITypeSymbol>().ToArray());

        if (core.Parameters.Length != method.Parameters.Length)
        {
            return DiagnosticMessages.CoreParameterCount(core.Parameters.Length, method.Parameters.Length);
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol expected = method.Parameters[i];
            IParameterSymbol actual = core.Parameters[i];
            if (!SameParameter(actual, expected))
            {
                return DiagnosticMessages.CoreParameterDiffers(i + 1, Describe(actual), Describe(expected));
            }
        }

        return ReturnDifference(method, core);
    }

    /// <summary>
    /// Core's type parameters must be constrained as the method's are: a stricter Core cannot be
    /// called with the method's type arguments (CS0452 in generated code), and a looser one is not
    /// the body moved. Both lists are compared with each type parameter named by its position.
    /// </summary>
    private static string? ConstraintDifference(IMethodSymbol method, IMethodSymbol core)
    {
        var positional = new System.Collections.Generic.Dictionary<ITypeParameterSymbol, string>(SymbolEqualityComparer.Default);
        for (int i = 0; i < method.TypeParameters.Length; i++)
        {
            positional[method.TypeParameters[i]] = "T" + i;
            positional[core.TypeParameters[i]] = "T" + i;
        }

        for (int i = 0; i < method.TypeParameters.Length; i++)
        {
            if (SymbolText.Constraints(method.TypeParameters[i], positional) == SymbolText.Constraints(core.TypeParameters[i], positional)) continue;
            return DiagnosticMessages.CoreConstraintDiffers(core.TypeParameters[i].Name, ConstraintText(core.TypeParameters[i]), ConstraintText(method.TypeParameters[i]));
        }

        return null;
    }

    private static string ConstraintText(ITypeParameterSymbol parameter)
    {
        string text = SymbolText.Constraints(parameter).Replace("global::", "");
        return text.Length == 0 ? DiagnosticMessages.NoConstraints : text;
    }

    /// <summary>
    /// The same type and modifier. Nullability only matters one way: a nullable argument passed to
    /// a non-nullable parameter is a warning in the generated code (an error with warnings as errors).
    /// </summary>
    private static bool SameParameter(IParameterSymbol core, IParameterSymbol parameter) =>
        core.RefKind == parameter.RefKind
        && SymbolEqualityComparer.Default.Equals(core.Type, parameter.Type)
        && !NarrowsNullability(from: parameter.NullableAnnotation, to: core.NullableAnnotation, core.Type);

    private static bool NarrowsNullability(NullableAnnotation from, NullableAnnotation to, ITypeSymbol type) =>
        from == NullableAnnotation.Annotated && to == NullableAnnotation.NotAnnotated && !type.IsValueType;

    private static string? ReturnDifference(IMethodSymbol method, IMethodSymbol core)
    {
        bool matches = core.ReturnsByRef == method.ReturnsByRef
            && core.ReturnsByRefReadonly == method.ReturnsByRefReadonly
            && SymbolEqualityComparer.Default.Equals(core.ReturnType, method.ReturnType)
            && !NarrowsNullability(from: core.ReturnNullableAnnotation, to: method.ReturnNullableAnnotation, method.ReturnType);
        if (matches) return null;
        string expected = (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : "") + Display(method.ReturnType.WithNullableAnnotation(method.ReturnNullableAnnotation));
        string actual = (core.ReturnsByRefReadonly ? "ref readonly " : core.ReturnsByRef ? "ref " : "") + Display(core.ReturnType.WithNullableAnnotation(core.ReturnNullableAnnotation));
        return DiagnosticMessages.CoreReturnDiffers(actual, expected);
    }

    private static string Describe(IParameterSymbol parameter)
    {
        string modifier = parameter.RefKind switch
        {
            RefKind.Ref => "ref ",
            RefKind.Out => "out ",
            RefKind.In => "in ",
            RefKind.RefReadOnlyParameter => "ref readonly ",
            _ => "",
        };
        return modifier + Display(parameter.Type.WithNullableAnnotation(parameter.NullableAnnotation));
    }

    private static string Display(ITypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
}
