using RedisCell.Aspects.Generators.Diagnostics;

namespace RedisCell.Aspects.Generators.Model;

/// <summary>What the method returns, which decides how the limiter is awaited.</summary>
internal enum ReturnShape
{
    Void,
    Value,
    RefValue,
    RefReadOnlyValue,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
    AsyncEnumerable,
}

/// <summary>How an instance method's receiver is passed to a static interceptor.</summary>
internal enum ReceiverKind
{
    /// <summary>A static or extension method: no receiver.</summary>
    None,

    /// <summary>A class or interface: by value.</summary>
    Value,

    /// <summary>A struct: by reference, so the call mutates the caller's variable.</summary>
    Ref,

    /// <summary>A readonly struct member: by readonly reference.</summary>
    In,
}

/// <summary>A parameter as the generated signature declares it and passes it on.</summary>
/// <param name="Name">The identifier (escaped with @ when a keyword).</param>
/// <param name="Type">The fully qualified type, with nullable annotations.</param>
/// <param name="DeclarationPrefix">Modifiers before the type: <c>this </c>, <c>params </c>, <c>scoped </c>, <c>ref </c>, <c>out </c>, <c>in </c>, <c>ref readonly </c>.</param>
/// <param name="ArgumentPrefix">The modifier an argument needs: <c>ref </c>, <c>out </c>, <c>in </c> or nothing.</param>
/// <param name="IsCancellationToken">A <c>CancellationToken</c> passed by value: the limiter's wait honours it.</param>
internal sealed record ParameterModel(string Name, string Type, string DeclarationPrefix, string ArgumentPrefix, bool IsCancellationToken);

/// <summary>A type parameter and its <c>where</c> clause (empty when unconstrained).</summary>
internal sealed record TypeParameterModel(string Name, string Constraints);

/// <summary>A rate-limited method, reduced to what the emitter needs to write a method with its signature.</summary>
/// <param name="Id">A stable identity (<see cref="Parsing.SymbolText.MemberId"/>), used to group call sites, name outputs and mark what an interceptor decided.</param>
/// <param name="Name">The method's identifier.</param>
/// <param name="ContainingType">The containing type, fully qualified, with its own type parameters.</param>
/// <param name="IsStatic">True for static (and extension) methods.</param>
/// <param name="IsExtension">True for a classic extension method.</param>
/// <param name="Receiver">How an instance receiver is passed.</param>
/// <param name="TypeParameters">Containing types' type parameters (outer to inner), then the method's: an interceptor's type parameters.</param>
/// <param name="MethodTypeParameters">The method's own type parameters.</param>
/// <param name="Parameters">The method's parameters.</param>
/// <param name="ReturnType">The return type as declared, without <c>ref</c>.</param>
/// <param name="Shape">The return shape.</param>
/// <param name="ElementType">The T of <c>Task&lt;T&gt;</c>, <c>ValueTask&lt;T&gt;</c> or <c>IAsyncEnumerable&lt;T&gt;</c>.</param>
/// <param name="CanDefer">True when the call can run after an awaited limiter (no by-ref or ref struct parameter, no struct receiver); else RCA023.</param>
/// <param name="Dispatched">
/// In interceptor mode, a member whose calls can run another body (interface, abstract, virtual or
/// override): its interceptor marks the rules it decided, so a partial-mode body reached does not count the call again.
/// </param>
/// <param name="Rules">The method's rate-limit attributes, in declaration order.</param>
internal sealed record TargetMethod(
    string Id,
    string Name,
    string ContainingType,
    bool IsStatic,
    bool IsExtension,
    ReceiverKind Receiver,
    EquatableArray<TypeParameterModel> TypeParameters,
    EquatableArray<TypeParameterModel> MethodTypeParameters,
    EquatableArray<ParameterModel> Parameters,
    string ReturnType,
    ReturnShape Shape,
    string? ElementType,
    bool CanDefer,
    bool Dispatched,
    EquatableArray<RuleModel> Rules);

/// <summary>
/// Where a call is, as the compiler's interceptors need it, and where to say so in a comment;
/// <paramref name="Call"/> is the invocation, for RCA019 when interceptors are not enabled.
/// </summary>
internal sealed record InterceptionLocation(int Version, string Data, string Display, LocationInfo? Call);

/// <summary>One invocation of a rate-limited method: an interceptor to emit, or why it cannot be intercepted.</summary>
internal sealed record CallSite(TargetMethod? Target, InterceptionLocation? Location, DiagnosticInfo? Diagnostic);

/// <summary>All intercepted calls of one method.</summary>
internal sealed record InterceptorGroup(TargetMethod Target, EquatableArray<InterceptionLocation> Locations);

/// <summary>A containing type of a partial-mode method, as its partial declaration is written.</summary>
/// <param name="Keyword">"class", "struct", "record", "record struct" or "interface".</param>
/// <param name="Name">The name with its type parameter list.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>A partial-mode method: the generator writes its implementing declaration.</summary>
/// <param name="Method">The method's signature and rules.</param>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The containing types, outer to inner.</param>
/// <param name="Modifiers">The definition's modifiers as written (including <c>partial</c>).</param>
/// <param name="ReturnsByRef"><c>ref </c> or <c>ref readonly </c> for by-ref returns, else empty.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="ReachedThrough">
/// The ids of the members it overrides or implements: an interceptor of a call bound to one of them
/// may have decided the call already. Empty when there are none, and nothing is checked.
/// </param>
internal sealed record PartialMethodModel(
    TargetMethod Method,
    string? Namespace,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    string Modifiers,
    string ReturnsByRef,
    string HintName,
    EquatableArray<string> ReachedThrough);

/// <summary>What parsing one attributed method declaration produced.</summary>
internal sealed record DeclarationResult(PartialMethodModel? Partial, EquatableArray<DiagnosticInfo> Diagnostics);
