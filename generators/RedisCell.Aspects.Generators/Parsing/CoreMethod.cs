using System.Linq;
using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// Finds the <c>{Name}Core</c> method a partial-mode method's implementation calls, and says why
/// none can be called the way the generated code calls it: <c>this.NameCore&lt;T…&gt;(args)</c>
/// (or <c>NameCore&lt;T…&gt;(args)</c> when static), each argument with its parameter's modifier,
/// the result returned (by <c>ref</c> for ref returns, awaited for deferred task shapes).
/// </summary>
internal static class CoreMethod
{
    /// <summary>The candidates: methods named <c>{Name}Core</c> declared in the method's type.</summary>
    public static IMethodSymbol[] CandidatesFor(IMethodSymbol method) =>
        method.ContainingType.GetMembers(method.Name + "Core").OfType<IMethodSymbol>().ToArray();

    /// <summary>
    /// The first candidate the generated call binds to, or null with the closest candidate and what
    /// is wrong with it (phrased to follow "but").
    /// </summary>
    public static (IMethodSymbol? Match, IMethodSymbol? Closest, string? Difference) Match(IMethodSymbol method, IMethodSymbol[] candidates, Compilation compilation)
    {
        IMethodSymbol? closest = null;
        string? difference = null;
        foreach (IMethodSymbol candidate in candidates.OrderBy(c => c.Parameters.Length == method.Parameters.Length ? 0 : 1))
        {
            string? problem = DifferenceOf(method, candidate, compilation);
            if (problem is null) return (candidate, null, null);
            if (closest is null)
            {
                closest = candidate;
                difference = problem;
            }
        }

        return (null, closest, difference);
    }

    private static string? DifferenceOf(IMethodSymbol method, IMethodSymbol core, Compilation compilation)
    {
        if (core.IsStatic != method.IsStatic)
        {
            return core.IsStatic ? "it is static, expected an instance method" : "it is an instance method, expected a static one";
        }

        if (core.TypeParameters.Length != method.TypeParameters.Length)
        {
            return $"it has {Count(core.TypeParameters.Length, "type parameter")}, expected {method.TypeParameters.Length}";
        }

        if (core.IsGenericMethod) core = core.Construct(method.TypeParameters.Cast<ITypeSymbol>().ToArray());

        bool extrasOptional = core.Parameters.Skip(method.Parameters.Length).All(p => p.IsOptional || p.IsParams);
        if (core.Parameters.Length < method.Parameters.Length || !extrasOptional)
        {
            return $"it has {Count(core.Parameters.Length, "parameter")}, expected {method.Parameters.Length}";
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol expected = method.Parameters[i];
            IParameterSymbol actual = core.Parameters[i];
            if (!Accepts(actual, expected, compilation))
            {
                return $"parameter {i + 1} is '{Describe(actual)}', expected '{Describe(expected)}'";
            }
        }

        return ReturnDifference(method, core, compilation);
    }

    /// <summary>True when <paramref name="core"/> accepts the argument generated for <paramref name="parameter"/>.</summary>
    private static bool Accepts(IParameterSymbol core, IParameterSymbol parameter, Compilation compilation)
    {
        bool same = SymbolEqualityComparer.Default.Equals(core.Type, parameter.Type);
        bool nullSafe = !(parameter.NullableAnnotation == NullableAnnotation.Annotated
            && core.NullableAnnotation == NullableAnnotation.NotAnnotated
            && !core.Type.IsValueType);
        bool converts = compilation.ClassifyCommonConversion(parameter.Type, core.Type).IsImplicit;
        return parameter.RefKind switch
        {
            // Generated code passes the argument without a modifier.
            RefKind.None => core.RefKind is RefKind.None or RefKind.In && converts && nullSafe,
            RefKind.Ref => core.RefKind is RefKind.Ref or RefKind.RefReadOnlyParameter && same && nullSafe,
            RefKind.Out => core.RefKind == RefKind.Out && same,

            // 'in' and 'ref readonly' parameters are passed with 'in'.
            _ => core.RefKind is RefKind.In or RefKind.RefReadOnlyParameter && same && nullSafe,
        };
    }

    private static string? ReturnDifference(IMethodSymbol method, IMethodSymbol core, Compilation compilation)
    {
        // A void method calls its Core as a statement: whatever Core returns is discarded.
        if (method.ReturnsVoid) return null;

        string expected = (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : "") + Display(method.ReturnType);
        string actual = (core.ReturnsByRefReadonly ? "ref readonly " : core.ReturnsByRef ? "ref " : "") + Display(core.ReturnType);
        bool sameType = SymbolEqualityComparer.Default.Equals(core.ReturnType, method.ReturnType);
        bool matches;
        if (method.ReturnsByRefReadonly) matches = (core.ReturnsByRef || core.ReturnsByRefReadonly) && sameType;
        else if (method.ReturnsByRef) matches = core.ReturnsByRef && sameType;
        else if (IsAwaitable(method.ReturnType)) matches = sameType; // awaited and its result returned, or returned as it is
        else matches = !core.ReturnsVoid && compilation.ClassifyCommonConversion(core.ReturnType, method.ReturnType).IsImplicit;
        return matches ? null : $"it returns '{actual}', expected '{expected}'";
    }

    private static bool IsAwaitable(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Task" or "ValueTask" } named
        && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

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

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
