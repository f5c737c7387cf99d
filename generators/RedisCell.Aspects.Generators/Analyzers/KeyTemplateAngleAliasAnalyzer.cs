using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA017: a key template writes a hole as <c>&lt;param&gt;</c>. It works, but one template
/// style per code base reads better, and <c>{param}</c> is the one the docs and messages use.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KeyTemplateAngleAliasAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.KeyTemplateAngleAlias];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Analyzed, not reported: partial-mode methods are partly generated (see AttributedMethods).
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!AttributedMethods.IsAnalyzedPart(method)) return;
        foreach (KeyTemplateArgument argument in KeyTemplateArgument.On(method, context.CancellationToken))
        {
            KeyTemplate parsed = KeyTemplate.Parse(argument.Template);
            if (parsed.Error is not null) continue;
            foreach (KeyTemplateSegment segment in parsed.Segments)
            {
                if (!KeyTemplateArgument.IsAngleAlias(argument.Template, segment)) continue;

                // One report per template: the fix rewrites every alias in it.
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.KeyTemplateAngleAlias, argument.Expression.GetLocation(), argument.Template, segment.Path));
                break;
            }
        }
    }
}
