using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// The members a call can bind to and still run a method's body: the members it overrides and the
/// interface members it implements. An interceptor sees only the member a call binds to.
/// </summary>
internal static class DispatchedMembers
{
    /// <summary>The members up <paramref name="method"/>'s override chain, nearest first.</summary>
    public static IEnumerable<IMethodSymbol> Overridden(IMethodSymbol method)
    {
        for (IMethodSymbol? overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
        {
            yield return overridden;
        }
    }

    /// <summary>
    /// The interface members <paramref name="method"/> implements, explicitly then implicitly; with
    /// <paramref name="throughOverrides"/>, also those a member it overrides implements, whose calls
    /// dispatch to the override all the same.
    /// </summary>
    public static IEnumerable<IMethodSymbol> Implemented(IMethodSymbol method, bool throughOverrides)
    {
        foreach (IMethodSymbol implemented in method.ExplicitInterfaceImplementations) yield return implemented;

        INamedTypeSymbol type = method.ContainingType;
        if (method.MethodKind != MethodKind.Ordinary || type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) yield break;
        IMethodSymbol[] bodies = throughOverrides ? Overridden(method).Prepend(method).ToArray() : [method];
        foreach (INamedTypeSymbol @interface in type.AllInterfaces)
        {
            foreach (ISymbol candidate in @interface.GetMembers(method.Name))
            {
                if (candidate is IMethodSymbol member
                    && type.FindImplementationForInterfaceMember(member) is IMethodSymbol implementation
                    && bodies.Contains(implementation, SymbolEqualityComparer.Default))
                {
                    yield return member;
                }
            }
        }
    }

    /// <summary>
    /// The ids (<see cref="SymbolText.MemberId"/>) of every member a call can bind to and reach
    /// <paramref name="method"/>: what an interceptor of such a call names its target.
    /// </summary>
    public static EquatableArray<string> IdsReaching(IMethodSymbol method) =>
        Overridden(method)
            .Concat(Implemented(method, throughOverrides: true))
            .Select(SymbolText.MemberId)
            .Distinct(System.StringComparer.Ordinal)
            .ToEquatableArray();
}
