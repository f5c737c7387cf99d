using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// Which methods and calls the generator handles in interceptor mode, as the analyzers need to know
/// it: the same rules as <see cref="CallSiteParser.ParseCallSite(SemanticModel, InvocationExpressionSyntax, CancellationToken)"/>, read from operations instead of syntax.
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
}
