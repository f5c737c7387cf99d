using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA019: the project has calls the generator intercepts, but the compiler will reject the
/// interceptors because <c>RedisCell.Aspects.Generated</c> is not an interceptors namespace.
/// </summary>
/// <remarks>
/// Reported once per compilation, at the first such call in file and position order: the cause is
/// one project property, and one error per call would bury it. The generator writes no interceptors
/// then (see <see cref="InterceptorsFeature"/>), so this is the build's error, not the compiler's
/// CS9137 in generated code. Finding the first call needs every call, hence a compilation-end
/// diagnostic.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InterceptorsNotEnabledAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.InterceptorsNotEnabled];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var enabledByOptions = new Dictionary<ParseOptions, bool>();
            var gate = new object();
            Location? first = null;

            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                if (!InterceptorMode.IsIntercepted(invocation, operation.CancellationToken)) return;
                SyntaxTree tree = invocation.Syntax.SyntaxTree;
                lock (gate)
                {
                    if (!enabledByOptions.TryGetValue(tree.Options, out bool enabled))
                    {
                        enabled = InterceptorsFeature.IsEnabled(tree.Options);
                        enabledByOptions.Add(tree.Options, enabled);
                    }

                    Location location = invocation.Syntax.GetLocation();
                    if (!enabled && (first is null || Compare(location, first) < 0)) first = location;
                }
            }, OperationKind.Invocation);

            start.RegisterCompilationEndAction(end =>
            {
                if (first is not null) end.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InterceptorsNotEnabled, first));
            });
        });
    }

    private static int Compare(Location left, Location right)
    {
        int byPath = string.CompareOrdinal(left.SourceTree?.FilePath, right.SourceTree?.FilePath);
        return byPath != 0 ? byPath : left.SourceSpan.Start.CompareTo(right.SourceSpan.Start);
    }
}
