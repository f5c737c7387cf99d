using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Emitting;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA019: the project has calls the generator intercepts, but the compiler will reject the
/// interceptors because <c>RedisCell.Aspects.Generated</c> is not an interceptors namespace.
/// </summary>
/// <remarks>
/// Reported once per compilation, at the first such call in file and position order: the cause is
/// one project property, and one error per call would bury it (the compiler's own CS9137 already
/// repeats for every interceptor). Finding the first call needs every call, hence a
/// compilation-end diagnostic.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InterceptorsNotEnabledAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// The only feature the compiler reads. MSBuild's <c>InterceptorsPreviewNamespaces</c> property is
    /// folded into it by the Csc task; a raw <c>InterceptorsPreviewNamespaces</c> feature is ignored by
    /// every compiler that can load this analyzer (Roslyn 4.14 and later), so it does not count.
    /// </summary>
    internal const string FeatureName = "InterceptorsNamespaces";

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
                        enabled = IsEnabled(tree.Options);
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

    /// <summary>
    /// True when the compiler accepts interceptors declared in <see cref="Emitter.GeneratedNamespace"/>: the
    /// feature lists it or a namespace containing it. Entries are split on ';' and compared exactly,
    /// untrimmed, as the compiler does.
    /// </summary>
    internal static bool IsEnabled(ParseOptions options)
    {
        foreach (KeyValuePair<string, string> feature in options.Features)
        {
            if (!string.Equals(feature.Key, FeatureName, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (string entry in feature.Value.Split(';'))
            {
                if (entry == Emitter.GeneratedNamespace || (entry.Length > 0 && Emitter.GeneratedNamespace.StartsWith(entry + ".", StringComparison.Ordinal))) return true;
            }
        }

        return false;
    }

    private static int Compare(Location left, Location right)
    {
        int byPath = string.CompareOrdinal(left.SourceTree?.FilePath, right.SourceTree?.FilePath);
        return byPath != 0 ? byPath : left.SourceSpan.Start.CompareTo(right.SourceSpan.Start);
    }
}
