using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Model;

namespace RedisCell.Aspects.Generators.Parsing;

/// <summary>
/// Turns the semantic model into the value-equatable models the emitter needs: attributed method
/// declarations (for partial mode and for diagnostics) and call sites (for interceptors).
/// Nothing it returns holds a symbol, syntax node or compilation.
/// </summary>
internal static class Parser
{
    /// <summary>
    /// Parses an attributed method found through <paramref name="kind"/>'s attribute. A method with
    /// several kinds is parsed once, by the step of its first kind (in enum order); the others return null.
    /// </summary>
    public static DeclarationResult? ParseDeclaration(GeneratorAttributeSyntaxContext context, RateLimitAttributeKind kind, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method) return null;
        // The parts of a partial method share one attribute list, but each step visits only the
        // part whose syntax carries its attribute: a part's owner is the first kind written on it.
        bool partialPart = method.IsPartialDefinition || method.PartialDefinitionPart is not null;
        RateLimitAttributeKind? owner = (partialPart ? KindsWrittenOn(method, context.TargetNode) : method.GetAttributes().Select(RateLimitAttributes.KindOf)).Where(k => k is not null).Min();
        if (owner != kind) return null;

        Compilation compilation = context.SemanticModel.Compilation;
        var diagnostics = new List<DiagnosticInfo>();
        PartialMethodModel? partial = null;
        if (method.IsPartialDefinition)
        {
            partial = ParsePartial(method, (MethodDeclarationSyntax)context.TargetNode, compilation, diagnostics, cancellationToken);
        }
        else if (method.PartialDefinitionPart is { } definition)
        {
            // When the definition carries an attribute too, it reports the method; otherwise nothing
            // else would, and calls skip partial methods as self-limiting.
            if (definition.DeclaringSyntaxReferences.Any(r => KindsWrittenOn(definition, r.GetSyntax(cancellationToken)).Any(k => k is not null))) return null;
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedMethod,
                LocationInfo.From(((MethodDeclarationSyntax)context.TargetNode).Identifier.GetLocation()),
                method.ToDisplayString(SymbolText.Display),
                DiagnosticMessages.AttributeOnPartialImplementation(method.Name)));
        }
        else
        {
            // Interceptor mode: call sites emit the code; the declaration only reports what is wrong, once.
            ParseTarget(method, compilation, interceptorMode: true, diagnostics, cancellationToken);
        }

        return new DeclarationResult(diagnostics.Count == 0 ? partial : null, diagnostics.ToEquatableArray());
    }

    private static IEnumerable<RateLimitAttributeKind?> KindsWrittenOn(IMethodSymbol method, SyntaxNode declaration) =>
        method.GetAttributes()
            .Where(a => a.ApplicationSyntaxReference is { } applied && applied.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(applied.Span))
            .Select(RateLimitAttributes.KindOf);

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
        TargetMethod? target = ParseTarget(method, semanticModel.Compilation, interceptorMode: true, problems, cancellationToken);
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
    internal static bool IsInExpressionTree(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
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

        string? unsupported = UnsupportedReason(method, interceptorMode);
        if (unsupported is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, display, unsupported));
            return null;
        }

        if (interceptorMode)
        {
            string? inaccessible = InaccessibleReason(method, compilation);
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
        bool canDefer = SynchronousReasons(method).Count == 0;

        return new TargetMethod(
            Id: method.ToDisplayString(SymbolText.MethodKey),
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
            Rules: rules.ToEquatableArray());
    }

    /// <summary>
    /// Why an awaitable method's call cannot wait for an awaited limiter, so the generated code asks
    /// it synchronously: what of the method cannot be carried into the async helper that awaits it.
    /// Empty when the call can be deferred. RCA023 reports these reasons.
    /// </summary>
    internal static List<string> SynchronousReasons(IMethodSymbol method)
    {
        var reasons = new List<string>();
        if (!method.IsStatic && method.ContainingType.IsValueType)
        {
            reasons.Add(DiagnosticMessages.StructReceiver(method.ContainingType.ToDisplayString(SymbolText.Display)));
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            // An 'in' argument is copied into the helper: the method cannot tell a copy of a readonly reference from the original.
            string? byReference = parameter.RefKind switch
            {
                RefKind.Ref => "ref",
                RefKind.Out => "out",
                RefKind.RefReadOnlyParameter => "ref readonly",
                _ => null,
            };
            if (byReference is not null)
            {
                reasons.Add(DiagnosticMessages.PassedByReference(parameter.Name, byReference));
            }
            else if (parameter.Type.IsRefLikeType)
            {
                reasons.Add(DiagnosticMessages.RefStructParameter(parameter.Name, parameter.Type.ToDisplayString(SymbolText.Display)));
            }
            else if (MayBeRefLike(parameter.Type))
            {
                reasons.Add(DiagnosticMessages.AllowsRefStructParameter(parameter.Name, parameter.Type.ToDisplayString(SymbolText.Display)));
            }
        }

        return reasons;
    }

    /// <summary>A ref struct, or a type parameter that allows one: neither can be captured by an async helper.</summary>
    internal static bool MayBeRefLike(ITypeSymbol type) =>
        type.IsRefLikeType || type is ITypeParameterSymbol { AllowsRefLikeType: true };

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

    private static string? UnsupportedReason(IMethodSymbol method, bool interceptorMode)
    {
        // Partial mode stays open to them: a void partial method may call an async void Core, and
        // limits event handlers too, since it does not depend on intercepting calls.
        if (method.IsAsync && method.ReturnsVoid)
        {
            return DiagnosticMessages.AsyncVoid(method.Name);
        }

        if (method.MethodKind == MethodKind.LocalFunction) return DiagnosticMessages.LocalFunction;
        if (method.MethodKind == MethodKind.AnonymousFunction) return DiagnosticMessages.Lambda;
        // A C# 14 extension block's member is called on its receiver, but its containing type is
        // the unspeakable block: a forwarding interceptor cannot name it.
        if (method.ContainingType is { IsExtension: true }) return DiagnosticMessages.ExtensionBlock;
        if (method.MethodKind != MethodKind.Ordinary) return DiagnosticMessages.NotOrdinary(method.MethodKind);
        if (method.IsVararg) return DiagnosticMessages.Vararg;
        if (method.IsStatic && (method.IsAbstract || method.IsVirtual)) return DiagnosticMessages.StaticVirtual;
        if (IsPointer(method.ReturnType) || method.Parameters.Any(p => IsPointer(p.Type))) return DiagnosticMessages.Pointers;
        // Partial mode too: the implementation is written in another file, where the file-local type is a different type.
        if (InFileLocalType(method)) return DiagnosticMessages.FileLocalType;
        if (!interceptorMode && method.ContainingType.TypeKind == TypeKind.Interface) return DiagnosticMessages.PartialModeInInterface;
        return null;
    }

    private static bool InFileLocalType(IMethodSymbol method)
    {
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal) return true;
        }

        return false;
    }

    private static bool IsPointer(ITypeSymbol type) => type is IPointerTypeSymbol or IFunctionPointerTypeSymbol;

    private static string? InaccessibleReason(IMethodSymbol method, Compilation compilation)
    {
        IAssemblySymbol assembly = compilation.Assembly;
        var chain = new List<ISymbol>();
        for (ISymbol? symbol = method; symbol is IMethodSymbol or INamedTypeSymbol; symbol = symbol.ContainingType) chain.Insert(0, symbol);

        // Outermost first: a public method of a private type is hidden by its type.
        foreach (ISymbol symbol in chain)
        {
            bool hidden = symbol.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal
                || !compilation.IsSymbolAccessibleWithin(symbol, assembly);
            if (!hidden) continue;
            return ReferenceEquals(symbol, method)
                ? DiagnosticMessages.Hidden(symbol.DeclaredAccessibility)
                : DiagnosticMessages.InHiddenType(symbol.DeclaredAccessibility, symbol.ToDisplayString(SymbolText.Display));
        }

        foreach (ITypeSymbol type in method.Parameters.Select(p => p.Type).Append(method.ReturnType))
        {
            if (type is not ITypeParameterSymbol && !compilation.IsSymbolAccessibleWithin(type, assembly))
            {
                return DiagnosticMessages.UsesHiddenType(type.ToDisplayString(SymbolText.Display));
            }
        }

        return null;
    }

    private static PartialMethodModel? ParsePartial(
        IMethodSymbol method,
        MethodDeclarationSyntax declaration,
        Compilation compilation,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        string display = method.ToDisplayString(SymbolText.Display);
        LocationInfo? location = LocationInfo.From(declaration.Identifier.GetLocation());
        int before = diagnostics.Count;

        if (!declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword)
            || m.IsKind(SyntaxKind.InternalKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword)))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialNeedsAccessibility, location, display));
        }

        if (method.PartialImplementationPart is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedMethod, location, display,
                DiagnosticMessages.PartialAlreadyImplemented(method.Name)));
        }

        var types = new List<ContainingTypeModel>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            TypeDeclarationSyntax? typeSyntax = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (typeSyntax is null || !typeSyntax.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialTypeNotPartial, location, display, type.ToDisplayString(SymbolText.Display)));
                break;
            }

            string keyword = typeSyntax switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => typeSyntax.Keyword.ValueText,
            };
            string name = SymbolText.Identifier(type.Name)
                + (type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(p => SymbolText.Identifier(p.Name))) + ">");
            types.Insert(0, new ContainingTypeModel(keyword, name));
        }

        string coreName = method.Name + "Core";
        IMethodSymbol[] cores = CoreMethod.CandidatesFor(method);
        (IMethodSymbol? core, IMethodSymbol? closest, string? difference) = CoreMethod.Match(method, cores);
        if (cores.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartialCoreMissing, location, display, coreName));
        }
        else if (core is null)
        {
            // With ref/out/in shown: they are often the difference.
            SymbolDisplayFormat signature = SymbolText.Display.AddParameterOptions(SymbolDisplayParameterOptions.IncludeModifiers)
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.PartialCoreSignatureMismatch, location, method.ToDisplayString(signature), closest!.ToDisplayString(signature), difference!));
        }

        TargetMethod? target = ParseTarget(method, compilation, interceptorMode: false, diagnostics, cancellationToken);
        if (target is null || diagnostics.Count > before) return null;

        string modifiers = string.Join(" ", declaration.Modifiers.Select(m => m.ValueText));
        string byRef = method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : "";
        string? ns = method.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace ? containingNamespace.ToDisplayString() : null;
        return new PartialMethodModel(target, ns, types.ToEquatableArray(), modifiers, byRef, HintName(target.Id));
    }

    /// <summary>A file name from a method identity: readable, and unique through a hash of the whole identity.</summary>
    public static string HintName(string id)
    {
        var readable = new StringBuilder();
        foreach (char c in id)
        {
            if (c == '(') break;
            readable.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
        }

        // FNV-1a: stable across processes, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in id) hash = unchecked((hash ^ c) * 16777619);
        return $"{readable}.{hash:x8}.g.cs";
    }
}
