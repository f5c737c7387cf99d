using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// What makes a call interceptable: the call sites of interceptor-mode methods, with the location
/// an interceptor addresses, or why the call escapes interception.
/// </summary>
internal static class CallSiteParser
{
    /// <summary>Cheap syntactic filter for <see cref="ParseCallSite(SemanticModel, InvocationExpressionSyntax, CancellationToken)"/>: any invocation of a named method.</summary>
    public static bool IsCandidateInvocation(SyntaxNode node, CancellationToken cancellationToken) =>
        node is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax or IdentifierNameSyntax or GenericNameSyntax or MemberBindingExpressionSyntax,
        };

    /// <summary>
    /// Parses an invocation: null unless it calls a rate-limited method in interceptor mode; else
    /// the interceptor's target and location, or why the call cannot be intercepted.
    /// </summary>
    public static CallSite? ParseCallSite(GeneratorSyntaxContext context, CancellationToken cancellationToken) =>
        ParseCallSite(context.SemanticModel, (InvocationExpressionSyntax)context.Node, cancellationToken);

    /// <summary>As <see cref="ParseCallSite(GeneratorSyntaxContext, CancellationToken)"/>, for the RCA009 analyzer.</summary>
    public static CallSite? ParseCallSite(SemanticModel semanticModel, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        SymbolInfo info = semanticModel.GetSymbolInfo(invocation, cancellationToken);
        if (info.Symbol is not IMethodSymbol called)
        {
            // dynamic dispatch binds at run time, where no interceptor can be.
            IMethodSymbol? lateBound = info.CandidateReason == CandidateReason.LateBound
                ? info.CandidateSymbols.OfType<IMethodSymbol>().FirstOrDefault(RateLimitAttributes.AnyOn)
                : null;
            return lateBound is null
                ? null
                : Escapes(lateBound, invocation, DiagnosticMessages.DispatchedDynamically);
        }

        IMethodSymbol method = (called.ReducedFrom ?? called).OriginalDefinition;
        if (!RateLimitAttributes.AnyOn(method) || RateLimitAttributes.IsSelfLimiting(method)) return null;

        if (invocation.Expression is MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax })
        {
            return Escapes(method, invocation, DiagnosticMessages.BaseCall);
        }

        IOperation? operation = semanticModel.GetOperation(invocation, cancellationToken);
        if (operation is Microsoft.CodeAnalysis.Operations.IDynamicInvocationOperation)
        {
            return Escapes(method, invocation, DiagnosticMessages.DispatchedDynamically);
        }

        // An interceptor of an interface member takes its receiver as the interface: a struct
        // reached through a type parameter would be boxed, and the method would mutate the box.
        // Not intercepting keeps the program's meaning; the warning says the limit is lost.
        if (method.ContainingType.TypeKind == TypeKind.Interface
            && operation is Microsoft.CodeAnalysis.Operations.IInvocationOperation { Instance.Type: ITypeParameterSymbol { IsReferenceType: false } receiver })
        {
            return Escapes(method, invocation, DiagnosticMessages.ReceiverMayBeStruct(receiver.Name));
        }

        if (IsInExpressionTree(invocation, semanticModel, cancellationToken))
        {
            return Escapes(method, invocation, DiagnosticMessages.InExpressionTree);
        }

        var problems = new List<DiagnosticInfo>();
        TargetMethod? target = TargetParser.ParseTarget(method, semanticModel.Compilation, interceptorMode: true, problems, cancellationToken);
        if (target is null)
        {
            // A method of this compilation reports its own problems once, at its declaration.
            bool inSource = method.Locations.Any(l => l.IsInSource);
            return inSource ? null : Escapes(method, invocation, problems.Count > 0 ? problems[0].ToDiagnostic().GetMessage() : DiagnosticMessages.AttributesUnreadable);
        }

#pragma warning disable RSEXPERIMENTAL002 // GetInterceptableLocation is the supported way to address a call.
        InterceptableLocation? location = semanticModel.GetInterceptableLocation(invocation, cancellationToken);
#pragma warning restore RSEXPERIMENTAL002
        if (location is null) return Escapes(method, invocation, DiagnosticMessages.FormNotInterceptable);

        FileLinePositionSpan span = NameOf(invocation).GetLocation().GetLineSpan();
        string display = $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
        return new CallSite(target, new InterceptionLocation(location.Version, location.Data, display, LocationInfo.From(invocation)), null);
    }

    private static SyntaxNode NameOf(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name,
        MemberBindingExpressionSyntax binding => binding.Name,
        _ => invocation.Expression,
    };

    private static CallSite Escapes(IMethodSymbol method, InvocationExpressionSyntax invocation, string reason) =>
        new(null, null, DiagnosticInfo.Create(
            DiagnosticDescriptors.CallNotIntercepted, LocationInfo.From(invocation), method.ToDisplayString(SymbolText.Display), reason));

    /// <summary>True when <paramref name="node"/> is inside a lambda converted to an expression tree.</summary>
    private static bool IsInExpressionTree(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (SyntaxNode ancestor in node.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax lambda
                && model.GetTypeInfo(lambda, cancellationToken).ConvertedType is INamedTypeSymbol converted
                && InheritsFromLambdaExpression(converted))
            {
                return true;
            }

            if (ancestor is MemberDeclarationSyntax) return false;
        }

        return false;
    }

    private static bool InheritsFromLambdaExpression(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "LambdaExpression" && current.ContainingNamespace?.ToDisplayString() == "System.Linq.Expressions") return true;
        }

        return false;
    }
}
