using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>The four rate-limit attributes, in the order that decides which step owns a method.</summary>
internal enum RateLimitAttributeKind
{
    Throttle,
    Gcra,
    RatePerSecond,
    TokenBudget,
}

/// <summary>Names of the attributes and recognition of them on symbols.</summary>
internal static class RateLimitAttributes
{
    public const string Namespace = "RedisCell.Aspects";
    public const string Throttle = "RedisCell.Aspects.ThrottleAttribute";
    public const string Gcra = "RedisCell.Aspects.GcraAttribute";
    public const string RatePerSecond = "RedisCell.Aspects.RatePerSecondAttribute";
    public const string TokenBudget = "RedisCell.Aspects.TokenBudgetAttribute";

    /// <summary>The tool name in the <c>[GeneratedCode]</c> of generated partial implementations (and of the generated classes).</summary>
    public const string GeneratorName = "RedisCell.Aspects.Generators";

    /// <summary>The attribute's kind, or null when it is not one of ours.</summary>
    public static RateLimitAttributeKind? KindOf(AttributeData attribute)
    {
        INamedTypeSymbol? type = attribute.AttributeClass;
        if (type is null || type.ContainingType is not null) return null;
        RateLimitAttributeKind? kind = type.Name switch
        {
            "ThrottleAttribute" => RateLimitAttributeKind.Throttle,
            "GcraAttribute" => RateLimitAttributeKind.Gcra,
            "RatePerSecondAttribute" => RateLimitAttributeKind.RatePerSecond,
            "TokenBudgetAttribute" => RateLimitAttributeKind.TokenBudget,
            _ => null,
        };
        return kind is not null && type.ContainingNamespace?.ToDisplayString() == Namespace ? kind : null;
    }

    /// <summary>True when <paramref name="method"/> carries at least one rate-limit attribute.</summary>
    public static bool AnyOn(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (KindOf(attribute) is not null) return true;
        }

        return false;
    }

    /// <summary>
    /// True when the method limits itself: a partial-mode method in this compilation, or one that
    /// another compilation's generator implemented (it carries our <c>[GeneratedCode]</c>).
    /// Calls to it are not intercepted, so they are not counted twice.
    /// </summary>
    public static bool IsSelfLimiting(IMethodSymbol method)
    {
        // Either part of a partial method: the implementation part sees the definition's attributes too.
        if (method.IsPartialDefinition || method.PartialDefinitionPart is not null) return true;
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "GeneratedCodeAttribute" } type
                && type.ContainingNamespace?.ToDisplayString() == "System.CodeDom.Compiler"
                && attribute.ConstructorArguments.Length > 0
                && attribute.ConstructorArguments[0].Value as string == GeneratorName)
            {
                return true;
            }
        }

        return false;
    }
}
