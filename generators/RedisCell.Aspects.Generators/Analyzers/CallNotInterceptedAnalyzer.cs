using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA009: a call to a method limited by interceptors that the generator cannot intercept
/// (<c>base.</c> calls, expression trees, <c>dynamic</c>, no interceptable location, a referenced
/// method it cannot rewrite).
/// </summary>
/// <remarks>
/// The decision is <see cref="CallSiteParser.ParseCallSite(SemanticModel, InvocationExpressionSyntax, System.Threading.CancellationToken)"/>'s,
/// the one the generator uses, so the two cannot disagree. It is reported here rather than by the
/// generator because an intended escape must be suppressible at the call, and the compiler applies
/// <c>#pragma warning</c> and <c>[SuppressMessage]</c> to analyzer diagnostics in source, not to a
/// generator's plain-value locations.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallNotInterceptedAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.CallNotIntercepted];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSyntaxNodeAction(Analyze, SyntaxKind.InvocationExpression);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (!CallSiteParser.IsCandidateInvocation(invocation, context.CancellationToken)) return;
        if (CallSiteParser.ParseCallSite(context.SemanticModel, invocation, context.CancellationToken)?.Diagnostic is not { } escape) return;
        context.ReportDiagnostic(Diagnostic.Create(escape.Descriptor, invocation.GetLocation(), escape.MessageArgs.Cast<object>().ToArray()));
    }
}
