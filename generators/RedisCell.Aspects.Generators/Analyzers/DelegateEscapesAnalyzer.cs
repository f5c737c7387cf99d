using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA013: a method limited by interceptors is turned into a delegate or function pointer. The
/// delegate calls the method itself, so no interceptor ever sees those calls.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DelegateEscapesAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.DelegateEscapes];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeMethodReference, OperationKind.MethodReference);
    }

    private static void AnalyzeMethodReference(OperationAnalysisContext context)
    {
        var reference = (IMethodReferenceOperation)context.Operation;
        if (!InterceptorMode.IsLimitedByInterceptors(reference.Method)) return;

        // nameof(M) names the method without creating anything callable.
        for (IOperation? ancestor = reference.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ancestor is INameOfOperation) return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.DelegateEscapes,
            reference.Syntax.GetLocation(),
            InterceptorMode.Declared(reference.Method).ToDisplayString(SymbolText.Display)));
    }
}
