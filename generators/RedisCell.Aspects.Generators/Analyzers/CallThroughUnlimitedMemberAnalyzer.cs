using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA015: a call binds to an interface, abstract or virtual member without the attribute while an
/// implementation or override in this compilation is limited by interceptors; or, the mirror image,
/// to an implementation or override without the attribute while the interface or base member it
/// implements or overrides has it. Either way the call is not intercepted and runs unlimited.
/// </summary>
/// <remarks>
/// Which members have limited implementations is worked out once per compilation, on the first
/// call that could need it, by one walk over the compilation's own types; each call then costs a
/// dictionary lookup.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallThroughUnlimitedMemberAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.CallThroughUnlimitedMember];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            Compilation compilation = start.Compilation;
            if (compilation.GetTypeByMetadataName(RateLimitAttributes.Throttle) is null
                && compilation.GetTypeByMetadataName(RateLimitAttributes.Gcra) is null
                && compilation.GetTypeByMetadataName(RateLimitAttributes.RatePerSecond) is null
                && compilation.GetTypeByMetadataName(RateLimitAttributes.TokenBudget) is null)
            {
                return;
            }

            var limitedImplementations = new Lazy<Dictionary<IMethodSymbol, IMethodSymbol>>(
                () => LimitedImplementations(compilation, start.CancellationToken), LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, limitedImplementations), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, Lazy<Dictionary<IMethodSymbol, IMethodSymbol>> limitedImplementations)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol target = invocation.TargetMethod;
        if (ReportCallBelowLimitedMember(context, invocation)) return;
        bool dispatched = target.IsVirtual || target.IsAbstract || target.IsOverride || target.ContainingType.TypeKind == TypeKind.Interface;
        if (!dispatched) return;

        // base.M() runs the base body itself; it never reaches the override.
        if (invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax } }) return;

        IMethodSymbol declared = InterceptorMode.Declared(target);
        if (!limitedImplementations.Value.TryGetValue(declared, out IMethodSymbol? implementation)) return;

        Report(context, invocation, unlimited: declared, limited: implementation);
    }

    /// <summary>
    /// The mirror image: the attribute is on an interface or base member, but the call binds to an
    /// implementation or override without it (<c>concrete.N()</c>), so no interceptor is written for it.
    /// </summary>
    private static bool ReportCallBelowLimitedMember(OperationAnalysisContext context, IInvocationOperation invocation)
    {
        IMethodSymbol declared = InterceptorMode.Declared(invocation.TargetMethod);
        if (declared.IsStatic || RateLimitAttributes.AnyOn(declared)) return false;
        if (!declared.IsOverride && declared.ContainingType.AllInterfaces.IsEmpty && declared.ExplicitInterfaceImplementations.IsEmpty) return false;
        // base.M() runs the base body itself, and RCA009 already reports a base call to a limited member.
        if (invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax } }) return false;
        if (BaseMembers.LimitedBaseOf(declared) is not { } limited) return false;

        Report(context, invocation, unlimited: declared, limited);
        return true;
    }

    // The call binds to unlimited, whose relative limited carries the attribute; the code fix copies it over.
    private static void Report(OperationAnalysisContext context, IInvocationOperation invocation, IMethodSymbol unlimited, IMethodSymbol limited) =>
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.CallThroughUnlimitedMember,
            invocation.Syntax.GetLocation(),
            BaseMembers.FixProperties(unlimited, limited),
            unlimited.ToDisplayString(SymbolText.Display),
            limited.ToDisplayString(SymbolText.Display)));

    /// <summary>Every unattributed member that an implementation or override in this compilation, limited by interceptors, is reached through.</summary>
    private static Dictionary<IMethodSymbol, IMethodSymbol> LimitedImplementations(Compilation compilation, CancellationToken cancellationToken)
    {
        var map = new Dictionary<IMethodSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
        var namespaces = new Stack<INamespaceSymbol>();
        var types = new Stack<INamedTypeSymbol>();
        namespaces.Push(compilation.Assembly.GlobalNamespace);
        while (namespaces.Count > 0)
        {
            INamespaceSymbol current = namespaces.Pop();
            foreach (INamespaceSymbol child in current.GetNamespaceMembers()) namespaces.Push(child);
            foreach (INamedTypeSymbol type in current.GetTypeMembers()) types.Push(type);
        }

        while (types.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamedTypeSymbol type = types.Pop();
            foreach (INamedTypeSymbol nested in type.GetTypeMembers()) types.Push(nested);
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) continue;
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is not IMethodSymbol method || !InterceptorMode.IsLimitedByInterceptors(method)) continue;
                foreach (BaseMember unlimited in BaseMembers.UnlimitedOf(method))
                {
                    if (!map.ContainsKey(unlimited.Member)) map.Add(unlimited.Member, method);
                }
            }
        }

        return map;
    }
}
