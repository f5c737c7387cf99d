using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// A key template written on a rate-limit attribute: its text (the constant the compiler bound)
/// and the argument expression it came from, where analyzers report and code fixes edit.
/// </summary>
internal sealed class KeyTemplateArgument
{
    private KeyTemplateArgument(AttributeData attribute, RateLimitAttributeKind kind, string template, ExpressionSyntax expression)
    {
        Attribute = attribute;
        Kind = kind;
        Template = template;
        Expression = expression;
    }

    public AttributeData Attribute { get; }

    public RateLimitAttributeKind Kind { get; }

    public string Template { get; }

    /// <summary>The argument's expression: a string literal in most code, or a constant's name.</summary>
    public ExpressionSyntax Expression { get; }

    /// <summary>The key templates written on <paramref name="method"/>'s rate-limit attributes.</summary>
    public static IEnumerable<KeyTemplateArgument> On(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (RateLimitAttributes.KindOf(attribute) is not { } kind) continue;
            if (TemplateOf(attribute) is not { } template) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax) continue;
            if (Find(syntax, attribute) is not { } expression) continue;
            yield return new KeyTemplateArgument(attribute, kind, template, expression);
        }
    }

    /// <summary>The template the attribute carries (constructor <c>key</c> or property <c>Key</c>), or null.</summary>
    public static string? TemplateOf(AttributeData attribute)
    {
        string? template = null;
        IMethodSymbol? constructor = attribute.AttributeConstructor;
        if (constructor is not null)
        {
            for (int i = 0; i < constructor.Parameters.Length && i < attribute.ConstructorArguments.Length; i++)
            {
                if (constructor.Parameters[i].Name == "key") template = attribute.ConstructorArguments[i].Value as string;
            }
        }

        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == "Key") template = named.Value.Value as string;
        }

        return template;
    }

    /// <summary>The <c>key</c> constructor argument or <c>Key = …</c> property argument of <paramref name="syntax"/>.</summary>
    public static ExpressionSyntax? Find(AttributeSyntax syntax, AttributeData attribute)
    {
        if (syntax.ArgumentList is null) return null;
        int keyIndex = -1;
        if (attribute.AttributeConstructor is { } constructor)
        {
            for (int i = 0; i < constructor.Parameters.Length; i++)
            {
                if (constructor.Parameters[i].Name == "key") keyIndex = i;
            }
        }

        ExpressionSyntax? found = null;
        int position = 0;
        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList.Arguments)
        {
            if (argument.NameEquals is { } property)
            {
                if (property.Name.Identifier.ValueText == "Key") found = argument.Expression;
            }
            else if (argument.NameColon is { } parameter)
            {
                if (parameter.Name.Identifier.ValueText == "key") found = argument.Expression;
                position++;
            }
            else
            {
                if (position == keyIndex) found = argument.Expression;
                position++;
            }
        }

        return found;
    }

    /// <summary>True when the hole <paramref name="segment"/> of <paramref name="template"/> is written <c>&lt;path&gt;</c>.</summary>
    public static bool IsAngleAlias(string template, KeyTemplateSegment segment) =>
        segment.IsHole && segment.Position >= 0 && segment.Position < template.Length && template[segment.Position] == '<';

    /// <summary>The root parameter name of a hole's path, without a leading <c>@</c>.</summary>
    public static string RootOf(string path)
    {
        int dot = path.IndexOf('.');
        string root = dot < 0 ? path : path.Substring(0, dot);
        return root.TrimStart('@');
    }
}
