using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// Which methods and calls the generator handles in interceptor mode, as the analyzers need to know
/// it: the same rules as <see cref="Parser.ParseCallSite(SemanticModel, InvocationExpressionSyntax, CancellationToken)"/>, read from operations instead of syntax.
/// </summary>
internal static class InterceptorMode
{
    /// <summary>The declared method behind a call or method group: extension form and generic instantiation undone.</summary>
    public static IMethodSymbol Declared(IMethodSymbol method) => (method.ReducedFrom ?? method).OriginalDefinition;

    /// <summary>
    /// True when <paramref name="method"/> carries a rate-limit attribute and is limited only where
    /// its calls are intercepted (it is not a partial-mode method, whose own body asks the limiter).
    /// </summary>
    public static bool IsLimitedByInterceptors(IMethodSymbol method)
    {
        IMethodSymbol declared = Declared(method);
        return RateLimitAttributes.AnyOn(declared) && !RateLimitAttributes.IsSelfLimiting(declared);
    }

    /// <summary>
    /// True when the generator writes an interceptor for <paramref name="invocation"/>: an ordinary
    /// call of a method limited by interceptors, not through <c>base.</c>, not inside an expression tree.
    /// </summary>
    public static bool IsIntercepted(IInvocationOperation invocation, CancellationToken cancellationToken)
    {
        if (!IsLimitedByInterceptors(invocation.TargetMethod)) return false;
        if (invocation.Syntax is not InvocationExpressionSyntax syntax || !Parser.IsCandidateInvocation(syntax, cancellationToken)) return false;
        if (syntax.Expression is MemberAccessExpressionSyntax { Expression: BaseExpressionSyntax }) return false;
        return invocation.SemanticModel is null || !Parser.IsInExpressionTree(syntax, invocation.SemanticModel, cancellationToken);
    }
}
