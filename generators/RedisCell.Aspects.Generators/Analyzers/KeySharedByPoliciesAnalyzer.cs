using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA021: two rate-limit attributes whose keys can be the same Redis key, with different policies,
/// or with any policies on one method.
/// </summary>
/// <remarks>
/// A key is its template's text with the values written in (or the method's full name); the limiter
/// adds only its prefix. Keys are compared by shape (literals equal, holes in the same places),
/// policies by what the stored state means (GCRA by interval and tolerance, windows by limit and
/// length). Equal policies on one key are a shared budget across methods, but not on one method,
/// whose rules are decided together from the state before the call. Attributes naming different
/// limiters are not compared. Examples: <c>docs/diagnostics/RCA021.md</c>.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KeySharedByPoliciesAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.KeySharedByPolicies];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Analyzed, not reported: partial-mode methods are partly generated (see AttributedMethods).
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.RegisterCompilationStartAction(start =>
        {
            var uses = new ConcurrentBag<KeyUse>();
            start.RegisterSymbolAction(symbol => Collect(symbol, uses), SymbolKind.Method);
            start.RegisterCompilationEndAction(end => Report(end, uses));
        });
    }

    private static void Collect(SymbolAnalysisContext context, ConcurrentBag<KeyUse> uses)
    {
        var method = (IMethodSymbol)context.Symbol;

        // A partial method's attributes are read from its definition part, as the generator does.
        if (!AttributedMethods.IsAnalyzedPart(method)) return;
        ISymbol within = method.IsPartialDefinition ? method.ContainingType : context.Compilation.Assembly;
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (RateLimitAttributes.KindOf(attribute) is not { } kind) continue;

            // Attributes the generator rejects (RCA001–RCA006) are not compared.
            RuleModel? rule = RuleParser.Parse(method, attribute, kind, within, context.Compilation, new List<DiagnosticInfo>(), context.CancellationToken);
            if (rule is null) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax syntax) continue;

            string? template = KeyTemplateArgument.TemplateOf(attribute);
            Location location = (template is null ? null : KeyTemplateArgument.Find(syntax, attribute))?.GetLocation() ?? syntax.GetLocation();
            // Each named limiter (Limiter = "…") is its own store or prefix: keys are compared within one limiter.
            string store = rule.Limiter is null ? "default" : "named:" + rule.Limiter;
            uses.Add(new KeyUse(method, kind, store + "\n" + ShapeOf(rule.Key), template ?? rule.Key.Constant!, PolicyOf(rule), location));
        }
    }

    private static void Report(CompilationAnalysisContext context, ConcurrentBag<KeyUse> uses)
    {
        foreach (IGrouping<string, KeyUse> sameKey in uses.GroupBy(u => u.Shape))
        {
            KeyUse[] group = sameKey.ToArray();
            if (group.Length < 2) continue;
            foreach (KeyUse use in group)
            {
                // A different policy is the worse mistake; a second attribute with the same policy
                // is one only on the same method (on another method it is a budget shared on purpose).
                KeyUse[] differing = group.Where(other => other.Policy != use.Policy).ToArray();
                KeyUse[] others = differing.Length > 0
                    ? differing
                    : group.Where(other => other != use && SymbolEqualityComparer.Default.Equals(other.Method, use.Method)).ToArray();
                if (others.Length == 0) continue;
                string described = DiagnosticMessages.AndList(others
                    .Select(other => Describe(other, use))
                    .Distinct()
                    .OrderBy(text => text, System.StringComparer.Ordinal)
                    .ToArray());
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.KeySharedByPolicies, use.Location, use.Text, use.Method.ToDisplayString(SymbolText.Display), described,
                    differing.Length > 0 ? DiagnosticMessages.DifferentPolicy : DiagnosticMessages.SameCall));
            }
        }
    }

    private static string Describe(KeyUse other, KeyUse reportedAt) =>
        SymbolEqualityComparer.Default.Equals(other.Method, reportedAt.Method)
            ? DiagnosticMessages.OnSameMethod(other.Kind.ToString())
            : DiagnosticMessages.OnMethod(other.Kind.ToString(), other.Method.ToDisplayString(SymbolText.Display));

    /// <summary>What the stored state means: GCRA interval and tolerance, or a fixed window's limit and length.</summary>
    private static string PolicyOf(RuleModel rule)
    {
        if (rule.Kind != RuleKind.Gcra)
        {
            long windowMilliseconds = rule.Kind == RuleKind.PerSecond ? 1000 : 60_000;
            return $"window {rule.Limit}/{windowMilliseconds}ms";
        }

        // RuleParser returned the rule, so its numbers passed GcraPolicy.Check.
        var gcra = new GcraPolicy(rule.MaxBurst, rule.Count, rule.PeriodSeconds);
        return $"gcra {gcra.EmissionIntervalNanoseconds}ns/{gcra.DelayVariationToleranceNanoseconds}ns";
    }

    /// <summary>The key with its literal text kept and each value replaced by its position: <c>user:\0;</c>.</summary>
    private static string ShapeOf(KeyModel key)
    {
        if (key.Constant is not null) return Escape(key.Constant);
        var shape = new StringBuilder();
        int value = 0;
        foreach (KeyPart part in key.Parts)
        {
            if (part.Literal is not null) shape.Append(Escape(part.Literal));
            else shape.Append('\\').Append(value++).Append(';');
        }

        return shape.ToString();
    }

    private static string Escape(string literal) => literal.Replace("\\", "\\\\");

    private sealed class KeyUse(IMethodSymbol method, RateLimitAttributeKind kind, string shape, string text, string policy, Location location)
    {
        public IMethodSymbol Method { get; } = method;

        public RateLimitAttributeKind Kind { get; } = kind;

        public string Shape { get; } = shape;

        public string Text { get; } = text;

        public string Policy { get; } = policy;

        public Location Location { get; } = location;
    }
}
