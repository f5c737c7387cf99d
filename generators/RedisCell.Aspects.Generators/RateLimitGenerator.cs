using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Emitting;
using RedisCell.Aspects.Generators.Model;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators;

/// <summary>
/// Rewrites methods carrying <c>[Throttle]</c>, <c>[Gcra]</c>, <c>[RatePerSecond]</c> or
/// <c>[TokenBudget]</c> so that the shared limiter is asked before they run.
/// </summary>
/// <remarks>
/// <para>
/// Interceptor mode (a method declared as usual): every call in this compilation is redirected to
/// a generated interceptor that builds the keys, calls <c>SharedLimiter.Current</c>, then the method.
/// Partial mode (a <c>partial</c> method definition): the generator writes the implementation,
/// which does the same and then calls <c>{Name}Core</c>.
/// </para>
/// <para>
/// The pipeline carries only value-equatable models past each transform, so edits that do not
/// touch attributed methods or their calls leave every step cached.
/// </para>
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class RateLimitGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        RegisterDeclarations(context, RateLimitAttributes.Throttle, RateLimitAttributeKind.Throttle, TrackingNames.ThrottleDeclarations);
        RegisterDeclarations(context, RateLimitAttributes.Gcra, RateLimitAttributeKind.Gcra, TrackingNames.GcraDeclarations);
        RegisterDeclarations(context, RateLimitAttributes.RatePerSecond, RateLimitAttributeKind.RatePerSecond, TrackingNames.RatePerSecondDeclarations);
        RegisterDeclarations(context, RateLimitAttributes.TokenBudget, RateLimitAttributeKind.TokenBudget, TrackingNames.TokenBudgetDeclarations);

        IncrementalValuesProvider<CallSite> callSites = context.SyntaxProvider
            .CreateSyntaxProvider(CallSiteParser.IsCandidateInvocation, CallSiteParser.ParseCallSite)
            .Where(static site => site is not null)
            .Select(static (site, _) => site!)
            .WithTrackingName(TrackingNames.CallSites);

        // Calls that escape interception (RCA009) are reported by CallNotInterceptedAnalyzer, not
        // here: a generator's diagnostics cannot be suppressed with #pragma or [SuppressMessage],
        // and an intended escape (a test, an admin path) must be.
        IncrementalValueProvider<EquatableArray<InterceptorGroup>> groups = callSites
            .Where(static site => site.Target is not null)
            .WithTrackingName(TrackingNames.InterceptedCalls)
            .Collect()
            .Select(static (sites, _) => Group(sites))
            .WithTrackingName(TrackingNames.InterceptorGroups);
        // Interceptors the compiler would refuse (CS9137) are not written: RCA019 names the property
        // to set instead of an error in generated code. The generator reports it, not an analyzer,
        // because generators still run with analyzers off (RunAnalyzers=false), and a build that
        // succeeds then limits nothing.
        IncrementalValueProvider<bool> interceptorsEnabled = context.ParseOptionsProvider
            .Select(static (options, _) => InterceptorsFeature.IsEnabled(options))
            .WithTrackingName(TrackingNames.InterceptorsEnabled);
        context.RegisterSourceOutput(groups.Combine(interceptorsEnabled), static (spc, input) =>
        {
            (EquatableArray<InterceptorGroup> groups, bool enabled) = input;
            if (groups.IsEmpty) return;
            if (!enabled)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InterceptorsNotEnabled, FirstCall(groups)?.ToLocation()));
                return;
            }

            spc.AddSource(Emitter.InterceptorsHintName, Emitter.EmitInterceptors(groups));
        });
    }

    private static void RegisterDeclarations(IncrementalGeneratorInitializationContext context, string attribute, RateLimitAttributeKind kind, string trackingName)
    {
        IncrementalValuesProvider<DeclarationResult> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attribute,
                // Operators, conversions, accessors, finalizers and lambdas too: they cannot be rate
                // limited, and RCA007 says so rather than ignoring the attribute.
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax,
                (syntaxContext, cancellationToken) => DeclarationParser.ParseDeclaration(syntaxContext, kind, cancellationToken))
            .Where(static result => result is not null)
            .Select(static (result, _) => result!)
            .WithTrackingName(trackingName);

        context.RegisterSourceOutput(declarations, static (spc, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.Partial is { } partial) spc.AddSource(partial.HintName, Emitter.EmitPartial(partial));
        });
    }

    // One error per project, at the first call by file path and position: the cause is one
    // property, and an error per call would bury it.
    private static LocationInfo? FirstCall(EquatableArray<InterceptorGroup> groups) =>
        groups
            .SelectMany(static group => group.Locations)
            .Select(static location => location.Call)
            .Where(static call => call is not null)
            .OrderBy(static call => call!.FilePath, System.StringComparer.Ordinal)
            .ThenBy(static call => call!.Span.Start)
            .FirstOrDefault();

    private static EquatableArray<InterceptorGroup> Group(ImmutableArray<CallSite> sites) =>
        sites
            .GroupBy(static site => site.Target!)
            .OrderBy(static group => group.Key.Id, System.StringComparer.Ordinal)
            .Select(static group => new InterceptorGroup(
                group.Key,
                group.Select(static site => site.Location!).OrderBy(static l => l.Display, System.StringComparer.Ordinal).ThenBy(static l => l.Data, System.StringComparer.Ordinal).ToEquatableArray()))
            .ToEquatableArray();
}
