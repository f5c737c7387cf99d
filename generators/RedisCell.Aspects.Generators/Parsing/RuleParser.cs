using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>Reads one rate-limit attribute into a <see cref="RuleModel"/>, reporting what is wrong with it.</summary>
internal static class RuleParser
{
    /// <summary>
    /// Parses <paramref name="attribute"/> on <paramref name="method"/>. Returns null when the
    /// attribute is unusable; the compiler reports a malformed attribute, and anything else is
    /// added to <paramref name="diagnostics"/>.
    /// </summary>
    /// <remarks>
    /// <c>within</c> is where the generated code runs, for member accessibility: the assembly
    /// (interceptors) or the method's type (partial mode).
    /// </remarks>
    public static RuleModel? Parse(
        IMethodSymbol method,
        AttributeData attribute,
        RateLimitAttributeKind kind,
        ISymbol within,
        Compilation compilation,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Any(a => a.Kind == TypedConstantKind.Error)) return null;
        LocationInfo? location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
        string methodName = method.ToDisplayString(SymbolText.Display);
        string attributeName = kind.ToString();

        string? keyTemplate = null;
        string? quantityName = null;
        string quantityProperty = "Quantity";
        string? failureMode = null;
        string? limiter = null;
        long maxBurst = 0, count = 0, period = 0, limit = 0;
        RuleKind ruleKind;
        switch (kind)
        {
            case RateLimitAttributeKind.Throttle when args.Length == 4:
                keyTemplate = args[0].Value as string;
                (maxBurst, count, period) = (AsLong(args[1]), AsLong(args[2]), AsLong(args[3]));
                ruleKind = RuleKind.Gcra;
                break;
            case RateLimitAttributeKind.Gcra when args.Length == 3:
                (maxBurst, count, period) = (AsLong(args[0]), AsLong(args[1]), AsLong(args[2]));
                ruleKind = RuleKind.Gcra;
                break;
            case RateLimitAttributeKind.RatePerSecond when args.Length == 1:
                limit = AsLong(args[0]);
                ruleKind = RuleKind.PerSecond;
                break;
            case RateLimitAttributeKind.TokenBudget when args.Length == 2:
                keyTemplate = args[0].Value as string;
                limit = AsLong(args[1]);
                ruleKind = RuleKind.TokensPerMinute;
                quantityProperty = "Cost";
                break;
            default:
                return null;
        }

        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Key":
                    keyTemplate = named.Value.Value as string;
                    break;
                case "Quantity" or "Cost":
                    quantityName = named.Value.Value as string;
                    break;
                case "FailureMode":
                    failureMode = FailureModeMember(named.Value);
                    break;
                case "Limiter":
                    limiter = named.Value.Value is string { Length: > 0 } limiterName ? limiterName : null;
                    break;
            }
        }

        bool valid = true;
        string? problem = ruleKind == RuleKind.Gcra
            ? GcraPolicy.Check(maxBurst, count, period)
            : FixedWindowPolicy.Check(limit);
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLimit, location, attributeName, methodName, problem));
            valid = false;
        }

        KeyModel? key = keyTemplate is null
            ? new KeyModel(method.OriginalDefinition.ToDisplayString(SymbolText.MethodKey), EquatableArray<KeyPart>.Empty)
            : ParseKey(keyTemplate, method, within, compilation, methodName, location, diagnostics);
        string? quantity = quantityName is null
            ? null
            : ParseQuantity(quantityName, quantityProperty, method, methodName, location, diagnostics);
        if (key is null || (quantityName is not null && quantity is null)) valid = false;

        return valid
            ? new RuleModel(AttributeText(attribute), ruleKind, maxBurst, count, period, limit, key!, quantity, failureMode, limiter)
            : null;
    }

    private static long AsLong(TypedConstant constant) => constant.Value is null ? 0 : Convert.ToInt64(constant.Value);

    private static string? FailureModeMember(TypedConstant constant)
    {
        if (constant.Type is not INamedTypeSymbol enumType || constant.Value is null) return null;
        foreach (IFieldSymbol field in enumType.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.HasConstantValue && Equals(field.ConstantValue, constant.Value)) return field.Name;
        }

        // Not a named member: keep the number, cast, so the runtime's validation reports it.
        return "(" + Convert.ToInt64(constant.Value).ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
    }

    private static string AttributeText(AttributeData attribute)
    {
        // The text goes into a one-line // comment: a line break inside it would end the comment
        // and leave the rest of the attribute as code.
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is { } syntax) return OneLine(syntax.ToString());
        string name = attribute.AttributeClass!.Name;
        name = name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - 9) : name;
        var parts = attribute.ConstructorArguments.Select(a => a.ToCSharpString())
            .Concat(attribute.NamedArguments.Select(n => n.Key + " = " + n.Value.ToCSharpString()));
        return name + "(" + string.Join(", ", parts) + ")";
    }

    private static string OneLine(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    private static KeyModel? ParseKey(
        string template,
        IMethodSymbol method,
        ISymbol within,
        Compilation compilation,
        string methodName,
        LocationInfo? location,
        List<DiagnosticInfo> diagnostics)
    {
        KeyTemplate parsed = KeyTemplate.Parse(template);
        if (parsed.Error is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KeyTemplateMalformed, location, template, methodName, parsed.Error));
            return null;
        }

        if (parsed.Segments.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KeyTemplateMalformed, location, template, methodName, DiagnosticMessages.KeyEmpty));
            return null;
        }

        var parts = new List<KeyPart>();
        bool valid = true;
        int before = diagnostics.Count;
        foreach (KeyTemplateSegment segment in parsed.Segments)
        {
            if (!segment.IsHole)
            {
                parts.Add(new KeyPart(segment.Text, EquatableArray<ValueLink>.Empty));
                continue;
            }

            EquatableArray<ValueLink>? path = ParsePath(segment.Path!, template, method, within, compilation, methodName, location, diagnostics);
            if (path is null) valid = false;
            else parts.Add(new KeyPart(null, path.Value));
        }

        // A name used in several holes ("{usr}:{usr.Id}") is one mistake: report it once.
        List<DiagnosticInfo> reported = diagnostics.GetRange(before, diagnostics.Count - before);
        diagnostics.RemoveRange(before, reported.Count);
        diagnostics.AddRange(reported.Distinct());
        return valid ? new KeyModel(null, parts.ToEquatableArray()) : null;
    }

    private static EquatableArray<ValueLink>? ParsePath(
        string path,
        string template,
        IMethodSymbol method,
        ISymbol within,
        Compilation compilation,
        string methodName,
        LocationInfo? location,
        List<DiagnosticInfo> diagnostics)
    {
        string[] names = path.Split('.').Select(n => n.TrimStart('@')).ToArray();
        IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == names[0]);
        if (parameter is null)
        {
            // Suggested as the code fix writes them (@event), carried as names for it to write.
            IReadOnlyList<string> closest = ClosestName.For(names[0], method.Parameters.Select(p => p.Name));
            string suggestion = DiagnosticMessages.DidYouMean(closest.Select(SymbolText.Identifier).ToArray());
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KeyTemplateUnknownParameter, location, template, methodName, names[0], suggestion)
                with { Subject = names[0], Suggestions = closest.ToEquatableArray() });
            return null;
        }

        if (parameter.RefKind == RefKind.Out)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KeyValueNotUsable, location, template, methodName, path, DiagnosticMessages.KeyValueIsOut));
            return null;
        }

        var links = new List<ValueLink>();
        ITypeSymbol type = parameter.Type;
        links.Add(LinkTo(parameter.Name, type));
        for (int i = 1; i < names.Length; i++)
        {
            ISymbol? member = FindReadableMember(type, names[i], within, compilation);
            if (member is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.KeyTemplateUnknownMember, location, template, methodName, path, type.ToDisplayString(SymbolText.Display), names[i]));
                return null;
            }

            type = member is IPropertySymbol property ? property.Type : ((IFieldSymbol)member).Type;
            links.Add(LinkTo(member.Name, type));
        }

        string? unusable = type switch
        {
            IPointerTypeSymbol or IFunctionPointerTypeSymbol => DiagnosticMessages.KeyValueIsPointer,
            { IsRefLikeType: true } when !IsCharSpan(type) => DiagnosticMessages.KeyValueIsRefStruct,
            ITypeParameterSymbol { AllowsRefLikeType: true } => DiagnosticMessages.KeyValueMayBeRefStruct,
            _ => null,
        };
        if (unusable is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KeyValueNotUsable, location, template, methodName, path, unusable));
            return null;
        }

        return links.ToEquatableArray();
    }

    private static ValueLink LinkTo(string name, ITypeSymbol type) =>
        new(SymbolText.Identifier(name), NullKindOf(type), type.TypeKind == TypeKind.Dynamic, IsEnum(type));

    /// <summary>An enum, a nullable enum, or a type parameter constrained to <c>struct, Enum</c>: what <c>AppendEnum</c> takes.</summary>
    private static bool IsEnum(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable) type = nullable.TypeArguments[0];
        return type.TypeKind == TypeKind.Enum
            || type is ITypeParameterSymbol { HasValueTypeConstraint: true } parameter
                && parameter.ConstraintTypes.Any(c => c.SpecialType == SpecialType.System_Enum);
    }

    private static bool IsCharSpan(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "ReadOnlySpan" or "Span", TypeArguments.Length: 1 } named
        && named.TypeArguments[0].SpecialType == SpecialType.System_Char
        && named.ContainingNamespace?.ToDisplayString() == "System";

    private static NullKind NullKindOf(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T }) return NullKind.NullableValue;
        if (type.IsValueType || type.IsRefLikeType) return NullKind.None;
        return NullKind.Reference;
    }

    /// <summary>
    /// The instance field or property <paramref name="name"/> of <paramref name="type"/> (or its bases,
    /// interfaces or constraints) that code running <paramref name="within"/> can read, or null.
    /// </summary>
    internal static ISymbol? FindReadableMember(ITypeSymbol type, string name, ISymbol within, Compilation compilation)
    {
        foreach (ITypeSymbol candidate in SelfAndBases(type))
        {
            foreach (ISymbol member in candidate.GetMembers(name))
            {
                if (member.IsStatic || !IsAccessible(member, within, compilation)) continue;
                if (member is IFieldSymbol) return member;
                if (member is IPropertySymbol { IsIndexer: false, GetMethod: { } getter } && IsAccessible(getter, within, compilation)) return member;
            }
        }

        return null;
    }

    private static bool IsAccessible(ISymbol symbol, ISymbol within, Compilation compilation) => within switch
    {
        IAssemblySymbol assembly => compilation.IsSymbolAccessibleWithin(symbol, assembly),
        INamedTypeSymbol type => compilation.IsSymbolAccessibleWithin(symbol, type),
        _ => false,
    };

    private static IEnumerable<ITypeSymbol> SelfAndBases(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        if (type is ITypeParameterSymbol parameter)
        {
            foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
            {
                foreach (ITypeSymbol inherited in SelfAndBases(constraint)) yield return inherited;
            }

            yield break;
        }

        for (ITypeSymbol? current = type; current is not null; current = current.BaseType) yield return current;
        foreach (INamedTypeSymbol implemented in type.AllInterfaces) yield return implemented;
    }

    private static string? ParseQuantity(
        string name,
        string property,
        IMethodSymbol method,
        string methodName,
        LocationInfo? location,
        List<DiagnosticInfo> diagnostics)
    {
        IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == name.TrimStart('@'));
        string? problem = parameter switch
        {
            null => DiagnosticMessages.QuantityNamesNoParameter,
            { RefKind: RefKind.Out } => DiagnosticMessages.QuantityNamesOut,
            _ => null,
        };
        string expression = "";
        if (parameter is not null && problem is null)
        {
            string identifier = SymbolText.Identifier(parameter.Name);
            switch (parameter.Type.SpecialType)
            {
                case SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                    or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64:
                    expression = identifier;
                    break;
                case SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr:
                    // Values above long.MaxValue cannot be a quantity: overflow rather than wrap to negative.
                    expression = $"checked((long){identifier})";
                    break;
                default:
                    problem = DiagnosticMessages.QuantityNotInteger(parameter.Name, parameter.Type.ToDisplayString(SymbolText.Display));
                    break;
            }
        }

        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.QuantityInvalid, location, property, name, methodName, problem));
            return null;
        }

        return expression;
    }
}
