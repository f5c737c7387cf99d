using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA023: a <c>Task</c> or <c>ValueTask</c> method that the generator limits with the synchronous
/// <c>Acquire</c>, because something of the call cannot be carried past an await.
/// </summary>
/// <remarks>
/// An analyzer, not the generator, so that a method where blocking is accepted can suppress it with
/// <c>#pragma</c> or <c>[SuppressMessage]</c>. It asks the generator's own parser, so it reports
/// exactly the methods the generator writes a synchronous decision for.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AwaitableLimitedSynchronouslyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.AwaitableLimitedSynchronously];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // Analyzed, not reported: partial-mode methods are partly generated (see AttributedMethods).
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        // A partial method is reported once, at its definition (the part the generator reads).
        var method = (IMethodSymbol)context.Symbol;
        if (!AttributedMethods.IsAnalyzedPart(method) || !RateLimitAttributes.AnyOn(method)) return;
        if (method.Locations.Length == 0 || !method.Locations[0].IsInSource) return;

        // Methods the generator rejects are its errors' business (RCA001–RCA008, …), not this.
        TargetMethod? target = TargetParser.ParseTarget(
            method, context.Compilation, interceptorMode: !method.IsPartialDefinition, new List<DiagnosticInfo>(), context.CancellationToken);
        if (target is null || target.CanDefer) return;
        if (target.Shape is not (ReturnShape.Task or ReturnShape.TaskOfT or ReturnShape.ValueTask or ReturnShape.ValueTaskOfT)) return;

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.AwaitableLimitedSynchronously,
            method.Locations[0],
            method.ToDisplayString(SymbolText.Display),
            method.ReturnType.ToDisplayString(SymbolText.Display),
            DiagnosticMessages.Reasons(MethodSupport.SynchronousReasons(method))));
    }
}
