using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// A rate-limited method's shape as the emitter needs it, in either mode: its signature, its
/// receiver, its type parameters (renamed where they would clash) and its rules.
/// </summary>
internal static class TargetParser
{
    /// <summary>
    /// Reads a rate-limited method's signature and rules, or returns null and adds what prevents
    /// rewriting it to <paramref name="diagnostics"/>.
    /// </summary>
    public static TargetMethod? ParseTarget(
        IMethodSymbol method,
        Compilation compilation,
        bool interceptorMode,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        string display = method.ToDisplayString(SymbolText.Display);
        LocationInfo? location = LocationInfo.From(method.Locations.FirstOrDefault(l => l.IsInSource));
        int before = diagnostics.Count;

        string? unsupported = MethodSupport.UnsupportedReason(method, interceptorMode);
        if (unsupported is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, display, unsupported));
            return null;
        }

        if (interceptorMode)
        {
            string? inaccessible = MethodSupport.InaccessibleReason(method, compilation);
            if (inaccessible is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotAccessible, location, display, inaccessible, method.Name));
                return null;
            }
        }

        ISymbol within = interceptorMode ? compilation.Assembly : method.ContainingType;
        var rules = new List<RuleModel>();
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (RateLimitAttributes.KindOf(attribute) is not { } kind) continue;
            RuleModel? rule = RuleParser.Parse(method, attribute, kind, within, compilation, diagnostics, cancellationToken);
            if (rule is not null) rules.Add(rule);
        }

        string[] limiters = rules.Select(r => r.Limiter ?? "").Distinct(System.StringComparer.Ordinal).ToArray();
        if (limiters.Length > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LimitersDiffer, LocationInfo.From(method.Locations.FirstOrDefault()), method.ToDisplayString(SymbolText.Display),
                DiagnosticMessages.Limiters(limiters)));
        }

        if (diagnostics.Count > before || rules.Count == 0) return null;

        var typeParameters = new List<TypeParameterModel>();
        var containing = new Stack<INamedTypeSymbol>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType) containing.Push(type);
        foreach (INamedTypeSymbol type in containing)
        {
            typeParameters.AddRange(type.TypeParameters.Select(p => ToModel(p, null)));
        }

        Dictionary<ITypeParameterSymbol, string>? renames = interceptorMode ? ShadowingRenames(method) : null;
        var methodTypeParameters = method.TypeParameters.Select(p => ToModel(p, renames)).ToEquatableArray();
        typeParameters.AddRange(methodTypeParameters);

        var parameters = method.Parameters.Select((p, i) => ToModel(p, isThis: i == 0 && method.IsExtensionMethod, renames)).ToEquatableArray();
        ReceiverKind receiver = method.IsStatic ? ReceiverKind.None
            : method.ContainingType.IsValueType ? (method.IsReadOnly ? ReceiverKind.In : ReceiverKind.Ref)
            : ReceiverKind.Value;
        (ReturnShape shape, string? element) = ShapeOf(method, renames);
        bool canDefer = MethodSupport.SynchronousReasons(method).Count == 0;

        // A partial-mode implementation or override may be what such a call runs, and it asks the
        // limiter itself: the interceptor tells it what it has decided (DecidedCalls).
        bool dispatched = interceptorMode && !method.IsStatic && (method.ContainingType.TypeKind == TypeKind.Interface
            ? method.IsAbstract || method.IsVirtual
            : (method.IsAbstract || method.IsVirtual || method.IsOverride) && !method.IsSealed && !method.ContainingType.IsSealed);

        return new TargetMethod(
            Id: SymbolText.MemberId(method),
            Name: SymbolText.Identifier(method.Name),
            ContainingType: SymbolText.Of(method.ContainingType),
            IsStatic: method.IsStatic,
            IsExtension: method.IsExtensionMethod,
            Receiver: receiver,
            TypeParameters: typeParameters.ToEquatableArray(),
            MethodTypeParameters: methodTypeParameters,
            Parameters: parameters,
            ReturnType: SymbolText.Of(method.ReturnType, renames),
            Shape: shape,
            ElementType: element,
            CanDefer: canDefer,
            Dispatched: dispatched,
            Rules: rules.ToEquatableArray());
    }

    /// <summary>
    /// New names for the method's type parameters that shadow a containing type's (<c>Outer&lt;T&gt;.M&lt;T&gt;</c>):
    /// an interceptor declares both lists side by side, where one name cannot mean two types (CS0692).
    /// </summary>
    private static Dictionary<ITypeParameterSymbol, string>? ShadowingRenames(IMethodSymbol method)
    {
        var outer = new HashSet<string>(System.StringComparer.Ordinal);
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            foreach (ITypeParameterSymbol parameter in type.TypeParameters) outer.Add(parameter.Name);
        }

        if (!method.TypeParameters.Any(p => outer.Contains(p.Name))) return null;
        var taken = new HashSet<string>(outer.Concat(method.TypeParameters.Select(p => p.Name)), System.StringComparer.Ordinal);
        var renames = new Dictionary<ITypeParameterSymbol, string>(SymbolEqualityComparer.Default);
        foreach (ITypeParameterSymbol parameter in method.TypeParameters.Where(p => outer.Contains(p.Name)))
        {
            string name = parameter.Name;
            for (int n = 1; !taken.Add(name); n++) name = parameter.Name + n;
            renames.Add(parameter, SymbolText.Identifier(name));
        }

        return renames;
    }

    private static TypeParameterModel ToModel(ITypeParameterSymbol parameter, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames) =>
        new(SymbolText.NameOf(parameter, renames), SymbolText.Constraints(parameter, renames));

    private static ParameterModel ToModel(IParameterSymbol parameter, bool isThis, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames)
    {
        var prefix = new StringBuilder();
        if (isThis) prefix.Append("this ");
        if (parameter.IsParams) prefix.Append("params ");
        if (parameter.ScopedKind != ScopedKind.None && parameter.RefKind != RefKind.Out) prefix.Append("scoped ");
        string argument;
        switch (parameter.RefKind)
        {
            case RefKind.Ref:
                prefix.Append("ref ");
                argument = "ref ";
                break;
            case RefKind.Out:
                prefix.Append("out ");
                argument = "out ";
                break;
            case RefKind.In:
                prefix.Append("in ");
                argument = "in ";
                break;
            case RefKind.RefReadOnlyParameter:
                prefix.Append("ref readonly ");
                argument = "in ";
                break;
            default:
                argument = "";
                break;
        }

        bool isToken = parameter.RefKind == RefKind.None
            && parameter.Type is INamedTypeSymbol { Name: "CancellationToken" } token
            && token.ContainingNamespace?.ToDisplayString() == "System.Threading";
        return new ParameterModel(SymbolText.Identifier(parameter.Name), SymbolText.Of(parameter.Type, renames), prefix.ToString(), argument, isToken);
    }

    private static (ReturnShape Shape, string? Element) ShapeOf(IMethodSymbol method, IReadOnlyDictionary<ITypeParameterSymbol, string>? renames)
    {
        if (method.ReturnsByRefReadonly) return (ReturnShape.RefReadOnlyValue, null);
        if (method.ReturnsByRef) return (ReturnShape.RefValue, null);
        if (method.ReturnsVoid) return (ReturnShape.Void, null);
        if (method.ReturnType is INamedTypeSymbol named)
        {
            string ns = named.ContainingNamespace?.ToDisplayString() ?? "";
            string? element = named.TypeArguments.Length == 1 ? SymbolText.Of(named.TypeArguments[0], renames) : null;
            switch (ns, named.MetadataName)
            {
                case ("System.Threading.Tasks", "Task"):
                    return (ReturnShape.Task, null);
                case ("System.Threading.Tasks", "Task`1"):
                    return (ReturnShape.TaskOfT, element);
                case ("System.Threading.Tasks", "ValueTask"):
                    return (ReturnShape.ValueTask, null);
                case ("System.Threading.Tasks", "ValueTask`1"):
                    return (ReturnShape.ValueTaskOfT, element);
                case ("System.Collections.Generic", "IAsyncEnumerable`1"):
                    return (ReturnShape.AsyncEnumerable, element);
            }
        }

        return (ReturnShape.Value, null);
    }
}
