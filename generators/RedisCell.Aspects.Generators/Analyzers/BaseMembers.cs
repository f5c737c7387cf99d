using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>A member a method overrides or implements, as declared (not a generic instantiation), and "overrides" or "implements" for RCA014's message.</summary>
internal readonly record struct BaseMember(IMethodSymbol Member, string Relation);

/// <summary>
/// The members a call can bind to and still reach a method: the member it overrides and the
/// interface members it implements. Calls bound to them are not intercepted for the method.
/// </summary>
internal static class BaseMembers
{
    /// <summary>Names of the properties the RCA014/RCA015 diagnostics carry for the code fix.</summary>
    public const string MemberIdProperty = "MemberId";

    /// <summary>The attributed method whose attributes the fix copies.</summary>
    public const string SourceIdProperty = "SourceId";

    /// <summary>
    /// The members <paramref name="method"/> overrides or implements (implicitly or explicitly)
    /// that carry no rate-limit attribute.
    /// </summary>
    public static List<BaseMember> UnlimitedOf(IMethodSymbol method)
    {
        var members = new List<BaseMember>();
        if (method.OverriddenMethod is { } overridden) Add(members, overridden, DiagnosticMessages.Overrides);
        foreach (IMethodSymbol implemented in DispatchedMembers.Implemented(method, throughOverrides: false)) Add(members, implemented, DiagnosticMessages.Implements);
        return members;
    }

    /// <summary>
    /// The nearest member up <paramref name="method"/>'s override chain, or an interface member it
    /// implements, that is limited by interceptors: a call bound to <paramref name="method"/> itself
    /// is not intercepted for that member's attributes (the mirror image of <see cref="UnlimitedOf"/>).
    /// </summary>
    public static IMethodSymbol? LimitedBaseOf(IMethodSymbol method) =>
        DispatchedMembers.Overridden(method)
            .Concat(DispatchedMembers.Implemented(method, throughOverrides: false))
            .FirstOrDefault(InterceptorMode.IsLimitedByInterceptors)?.OriginalDefinition;

    /// <summary>The properties a diagnostic needs for the fix to copy <paramref name="source"/>'s attributes to <paramref name="member"/>.</summary>
    public static System.Collections.Immutable.ImmutableDictionary<string, string?> FixProperties(IMethodSymbol member, IMethodSymbol source) =>
        System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty
            .Add(MemberIdProperty, DocumentationCommentId.CreateDeclarationId(member.OriginalDefinition))
            .Add(SourceIdProperty, DocumentationCommentId.CreateDeclarationId(source.OriginalDefinition));

    private static void Add(List<BaseMember> members, IMethodSymbol member, string relation)
    {
        IMethodSymbol declared = member.OriginalDefinition;
        if (RateLimitAttributes.AnyOn(declared)) return;
        foreach (BaseMember existing in members)
        {
            if (SymbolEqualityComparer.Default.Equals(existing.Member, declared)) return;
        }

        members.Add(new BaseMember(declared, relation));
    }
}
