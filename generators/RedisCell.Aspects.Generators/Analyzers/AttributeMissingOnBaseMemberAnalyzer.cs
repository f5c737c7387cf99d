using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA014: a method limited by interceptors overrides or implements a member without the
/// attribute, so every call made through that member reaches the method unlimited.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AttributeMissingOnBaseMemberAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.AttributeMissingOnBaseMember];

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
        if (!InterceptorMode.IsLimitedByInterceptors(method)) return;
        Location? location = method.Locations.Length > 0 ? method.Locations[0] : null;
        if (location is null || !location.IsInSource) return;

        string display = method.ToDisplayString(SymbolText.Display);
        foreach (BaseMember member in BaseMembers.UnlimitedOf(method))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.AttributeMissingOnBaseMember,
                location,
                BaseMembers.FixProperties(member.Member, method),
                display,
                member.Member.ToDisplayString(SymbolText.Display),
                member.Relation));
        }
    }
}
