using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA016: a method limited by interceptors is visible to other assemblies, whose calls are only
/// limited when those assemblies run the generator too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PublicMethodInInterceptorModeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.PublicMethodInInterceptorMode];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary || method.IsAbstract || method.IsExtern) return;
        if (method.ContainingType.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return;
        if (!InterceptorMode.IsLimitedByInterceptors(method) || !IsVisibleOutsideAssembly(method)) return;
        if (method.Locations.Length == 0 || !method.Locations[0].IsInSource) return;

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PublicMethodInInterceptorMode,
            method.Locations[0],
            method.ToDisplayString(SymbolText.Display),
            method.Name));
    }

    /// <summary>
    /// True when the method and every type around it are public or protected internal. Private and
    /// protected methods are RCA008's (interceptors cannot call them at all), internal ones are not
    /// seen outside.
    /// </summary>
    private static bool IsVisibleOutsideAssembly(IMethodSymbol method)
    {
        for (ISymbol? symbol = method; symbol is IMethodSymbol or INamedTypeSymbol; symbol = symbol.ContainingType)
        {
            if (symbol.DeclaredAccessibility is not (Accessibility.Public or Accessibility.ProtectedOrInternal)) return false;
        }

        return true;
    }
}
