using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Analyzers;

/// <summary>
/// RCA018: a key hole whose value has no text that identifies it. Generated code appends a value
/// with <c>RateLimitKeyBuilder.AppendFormatted</c>: strings and char spans as they are,
/// <c>IFormattable</c> values with the invariant culture, anything else with <c>ToString()</c>. A
/// type that does not override <c>ToString</c> writes its type name, so every caller shares one key.
/// </summary>
/// <remarks>
/// Records do override <c>ToString</c>, with every property: stable, but the key then changes
/// whenever the record gains a member (every limit resets on deploy), grows past the key length
/// (and is hashed), and carries whatever the record holds into Redis and into exceptions. A key
/// names an identity, so a compiler-generated record <c>ToString</c> is reported too; a record
/// that writes its own <c>ToString</c> is not. Type parameters are not reported: what they become
/// is the caller's choice, and the common ones (<c>int</c>, <c>Guid</c>, <c>string</c>) format well.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class KeyValueUnstableAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.KeyValueUnstable];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Analyzed, not reported: partial-mode methods are partly generated (see AttributedMethods).
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.RegisterSymbolAction(Analyze, SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!AttributedMethods.IsAnalyzedPart(method)) return;
        ISymbol within = method.IsPartialDefinition ? method.ContainingType : context.Compilation.Assembly;
        string display = method.ToDisplayString(SymbolText.Display);
        foreach (KeyTemplateArgument argument in KeyTemplateArgument.On(method, context.CancellationToken))
        {
            KeyTemplate parsed = KeyTemplate.Parse(argument.Template);
            if (parsed.Error is not null) continue;
            foreach (KeyTemplateSegment segment in parsed.Segments.Where(s => s.IsHole))
            {
                ITypeSymbol? type = ValueType(method, segment.Path!, within, context.Compilation);
                if (type is null || Problem(type) is not { } problem) continue;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.KeyValueUnstable,
                    argument.Expression.GetLocation(),
                    argument.Template,
                    display,
                    segment.Path,
                    type.ToDisplayString(SymbolText.Display),
                    problem));
            }
        }
    }

    /// <summary>The type of the value a hole appends, or null when the generator reports the path as wrong.</summary>
    private static ITypeSymbol? ValueType(IMethodSymbol method, string path, ISymbol within, Compilation compilation)
    {
        string[] names = path.Split('.').Select(n => n.TrimStart('@')).ToArray();
        ITypeSymbol? type = method.Parameters.FirstOrDefault(p => p.Name == names[0])?.Type;
        for (int i = 1; i < names.Length && type is not null; i++)
        {
            type = RuleParser.FindReadableMember(type, names[i], within, compilation) switch
            {
                IPropertySymbol property => property.Type,
                IFieldSymbol field => field.Type,
                _ => null,
            };
        }

        // Generated code unwraps Nullable<T> and appends the T.
        return type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : type;
    }

    /// <summary>Why values of <paramref name="type"/> do not make a key, or null when they do.</summary>
    private static string? Problem(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_String || type.IsRefLikeType) return null;
        if (type is ITypeParameterSymbol or IErrorTypeSymbol or IPointerTypeSymbol or IFunctionPointerTypeSymbol) return null;
        if (IsFormattable(type)) return null;

        switch (type)
        {
            case IDynamicTypeSymbol:
            case { SpecialType: SpecialType.System_Object or SpecialType.System_ValueType }:
            case { TypeKind: TypeKind.Interface } when !IsEnumerable(type):
                return DiagnosticMessages.ValueOfRuntimeType;
            case { TypeKind: TypeKind.Delegate }:
                return DiagnosticMessages.ValueIsDelegate;
            case IArrayTypeSymbol:
                return DiagnosticMessages.ValueIsArray;
        }

        IMethodSymbol? toString = ToStringOverride(type);
        if (toString is null)
        {
            return IsEnumerable(type)
                ? DiagnosticMessages.ValueIsCollection
                : DiagnosticMessages.ValueHasNoToString;
        }

        if (toString.IsImplicitlyDeclared && toString.ContainingType.IsRecord)
        {
            return DiagnosticMessages.ValueIsRecord;
        }

        return null;
    }

    private static bool IsFormattable(ITypeSymbol type) =>
        IsSystemFormattable(type) || type.AllInterfaces.Any(IsSystemFormattable);

    private static bool IsSystemFormattable(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "IFormattable" or "ISpanFormattable", Arity: 0 } named
        && named.ContainingNamespace?.ToDisplayString() == "System";

    private static bool IsEnumerable(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Collections_IEnumerable
        || type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable);

    /// <summary>The nearest <c>ToString()</c> override below <c>object</c>/<c>ValueType</c>, or null.</summary>
    private static IMethodSymbol? ToStringOverride(ITypeSymbol type)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType) return null;
            foreach (ISymbol member in current.GetMembers("ToString"))
            {
                if (member is IMethodSymbol { IsOverride: true, Parameters.Length: 0, IsStatic: false } method) return method;
            }
        }

        return null;
    }
}
