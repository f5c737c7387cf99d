using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Diagnostics;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// What makes a method supported: what no generated code can forward to, what an interceptor
/// cannot reach, and what keeps an awaitable method from waiting for the limiter asynchronously.
/// </summary>
internal static class MethodSupport
{
    /// <summary>
    /// Why an awaitable method's call cannot wait for an awaited limiter, so the generated code asks
    /// it synchronously: what of the method cannot be carried into the async helper that awaits it.
    /// Empty when the call can be deferred. RCA023 reports these reasons.
    /// </summary>
    internal static List<string> SynchronousReasons(IMethodSymbol method)
    {
        var reasons = new List<string>();
        if (!method.IsStatic && method.ContainingType.IsValueType)
        {
            reasons.Add(DiagnosticMessages.StructReceiver(method.ContainingType.ToDisplayString(SymbolText.Display)));
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            // An 'in' argument is copied into the helper: the method cannot tell a copy of a readonly reference from the original.
            string? byReference = parameter.RefKind switch
            {
                RefKind.Ref => "ref",
                RefKind.Out => "out",
                RefKind.RefReadOnlyParameter => "ref readonly",
                _ => null,
            };
            if (byReference is not null)
            {
                reasons.Add(DiagnosticMessages.PassedByReference(parameter.Name, byReference));
            }
            else if (parameter.Type.IsRefLikeType)
            {
                reasons.Add(DiagnosticMessages.RefStructParameter(parameter.Name, parameter.Type.ToDisplayString(SymbolText.Display)));
            }
            else if (MayBeRefLike(parameter.Type))
            {
                reasons.Add(DiagnosticMessages.AllowsRefStructParameter(parameter.Name, parameter.Type.ToDisplayString(SymbolText.Display)));
            }
        }

        return reasons;
    }

    /// <summary>A ref struct, or a type parameter that allows one: neither can be captured by an async helper.</summary>
    private static bool MayBeRefLike(ITypeSymbol type) =>
        type.IsRefLikeType || type is ITypeParameterSymbol { AllowsRefLikeType: true };

    /// <summary>Why no generated code can forward to the method, in either mode; null when it can.</summary>
    internal static string? UnsupportedReason(IMethodSymbol method, bool interceptorMode)
    {
        // Partial mode stays open to them: a void partial method may call an async void Core, and
        // limits event handlers too, since it does not depend on intercepting calls.
        if (method.IsAsync && method.ReturnsVoid)
        {
            return DiagnosticMessages.AsyncVoid(method.Name);
        }

        if (method.MethodKind == MethodKind.LocalFunction) return DiagnosticMessages.LocalFunction;
        if (method.MethodKind == MethodKind.AnonymousFunction) return DiagnosticMessages.Lambda;
        // A C# 14 extension block's member is called on its receiver, but its containing type is
        // the unspeakable block: a forwarding interceptor cannot name it.
        if (method.ContainingType is { IsExtension: true }) return DiagnosticMessages.ExtensionBlock;
        if (method.MethodKind != MethodKind.Ordinary) return DiagnosticMessages.NotOrdinary(method.MethodKind);
        if (method.IsVararg) return DiagnosticMessages.Vararg;
        if (method.IsStatic && (method.IsAbstract || method.IsVirtual)) return DiagnosticMessages.StaticVirtual;
        if (IsPointer(method.ReturnType) || method.Parameters.Any(p => IsPointer(p.Type))) return DiagnosticMessages.Pointers;
        // Partial mode too: the implementation is written in another file, where the file-local type is a different type.
        if (InFileLocalType(method)) return DiagnosticMessages.FileLocalType;
        if (!interceptorMode && method.ContainingType.TypeKind == TypeKind.Interface) return DiagnosticMessages.PartialModeInInterface;
        return null;
    }

    private static bool InFileLocalType(IMethodSymbol method)
    {
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal) return true;
        }

        return false;
    }

    private static bool IsPointer(ITypeSymbol type) => type is IPointerTypeSymbol or IFunctionPointerTypeSymbol;

    /// <summary>Why an interceptor, declared in this compilation, cannot call the method or name its types; null when it can.</summary>
    internal static string? InaccessibleReason(IMethodSymbol method, Compilation compilation)
    {
        IAssemblySymbol assembly = compilation.Assembly;
        var chain = new List<ISymbol>();
        for (ISymbol? symbol = method; symbol is IMethodSymbol or INamedTypeSymbol; symbol = symbol.ContainingType) chain.Insert(0, symbol);

        // Outermost first: a public method of a private type is hidden by its type.
        foreach (ISymbol symbol in chain)
        {
            bool hidden = symbol.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal
                || !compilation.IsSymbolAccessibleWithin(symbol, assembly);
            if (!hidden) continue;
            return ReferenceEquals(symbol, method)
                ? DiagnosticMessages.Hidden(symbol.DeclaredAccessibility)
                : DiagnosticMessages.InHiddenType(symbol.DeclaredAccessibility, symbol.ToDisplayString(SymbolText.Display));
        }

        foreach (ITypeSymbol type in method.Parameters.Select(p => p.Type).Append(method.ReturnType))
        {
            if (type is not ITypeParameterSymbol && !compilation.IsSymbolAccessibleWithin(type, assembly))
            {
                return DiagnosticMessages.UsesHiddenType(type.ToDisplayString(SymbolText.Display));
            }
        }

        return null;
    }
}
