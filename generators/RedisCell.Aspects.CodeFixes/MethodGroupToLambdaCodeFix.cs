using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using RedisCell.Aspects.Generators.Diagnostics;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// RCA013: replaces the method group with a lambda that calls the method, a call the generator
/// intercepts. Offered only where the lambda means what the method group did: not for a function
/// pointer, a by-ref return, a <c>base.</c> or computed receiver, nor parameters the lambda would
/// have to type and whose types cannot be written.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MethodGroupToLambdaCodeFix))]
public sealed class MethodGroupToLambdaCodeFix : CodeFixProvider
{
    private const string EquivalenceKey = "RCA013:CallFromLambda";

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.DelegateEscapes.Id];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax group) continue;
            if (model.GetOperation(group, context.CancellationToken) is not IMethodReferenceOperation reference) continue;
            string? lambda = LambdaFor(group, reference, model);
            if (lambda is null) continue;

            ExpressionSyntax replacement = SyntaxFactory.ParseExpression(lambda);
            if (NeedsParentheses(group)) replacement = SyntaxFactory.ParenthesizedExpression(replacement);
            SyntaxNode fixedRoot = root.ReplaceNode(group, replacement.WithTriviaFrom(group));
            context.RegisterCodeFix(
                CodeAction.Create($"Call '{reference.Method.Name}' from a lambda", _ => Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot)), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The lambda's text, or null when no lambda would mean what the method group did.</summary>
    private static string? LambdaFor(ExpressionSyntax group, IMethodReferenceOperation reference, SemanticModel model)
    {
        // A function pointer (&M) has no delegate to become.
        if (reference.Parent is not IDelegateCreationOperation { Type: INamedTypeSymbol { DelegateInvokeMethod: { } invoke } } creation) return null;
        IMethodSymbol method = reference.Method;
        if (method.ReturnsByRef || method.ReturnsByRefReadonly || invoke.ReturnsByRef || invoke.ReturnsByRefReadonly || method.IsVararg) return null;
        // An extension method's group bound to a receiver (text.Echo) takes the rest of its parameters.
        ImmutableArray<IParameterSymbol> called = method.Parameters;
        if (method.IsExtensionMethod && called.Length == invoke.Parameters.Length + 1) called = called.RemoveAt(0);
        if (called.Length != invoke.Parameters.Length || !ReadsOnlyNames(group)) return null;

        // Modifiers need explicit types in C# 13, and so does a lambda whose delegate type is inferred (var, Delegate).
        bool typed = invoke.Parameters.Any(p => p.RefKind != RefKind.None || p.ScopedKind != ScopedKind.None) || NeedsNaturalType(creation);
        string[] names = ParameterNames(called, group);
        var parameters = new List<string>();
        for (int i = 0; i < names.Length; i++)
        {
            if (!typed)
            {
                parameters.Add(names[i]);
                continue;
            }

            IParameterSymbol parameter = invoke.Parameters[i];
            if (!CanBeWritten(parameter.Type)) return null;
            string scoped = parameter.ScopedKind != ScopedKind.None && parameter.RefKind != RefKind.Out ? "scoped " : "";
            parameters.Add($"{scoped}{ParameterModifier(parameter.RefKind)}{parameter.Type.ToMinimalDisplayString(model, group.SpanStart, s_typeFormat)} {names[i]}");
        }

        string list = parameters.Count == 1 && !typed ? parameters[0] : $"({string.Join(", ", parameters)})";
        string arguments = string.Join(", ", names.Select((name, i) => ArgumentModifier(called[i].RefKind) + name));
        return $"{list} => {group.WithoutTrivia().ToFullString()}({arguments})";
    }

    /// <summary>
    /// The receiver is read again at each call instead of once when the delegate was made: the same
    /// value for a name (this, a type, a variable, a field or property, unless reassigned in between),
    /// not for a call or a <c>new</c>. A <c>base.</c> call is not intercepted either (RCA009).
    /// </summary>
    private static bool ReadsOnlyNames(ExpressionSyntax group) => group switch
    {
        SimpleNameSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } member => IsName(member.Expression),
        _ => false,
    };

    private static bool IsName(ExpressionSyntax expression) => expression switch
    {
        ThisExpressionSyntax or SimpleNameSyntax or PredefinedTypeSyntax or AliasQualifiedNameSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } member => IsName(member.Expression),
        _ => false,
    };

    /// <summary>An implicit conversion whose delegate type the method group chose itself: the lambda must state its parameter types to have one.</summary>
    private static bool NeedsNaturalType(IDelegateCreationOperation creation)
    {
        if (!creation.IsImplicit) return false;
        return creation.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Syntax.Parent: VariableDeclarationSyntax { Type.IsVar: true } } } => true,
            IConversionOperation conversion => conversion.Type?.TypeKind != TypeKind.Delegate,
            _ => false,
        };
    }

    /// <summary>
    /// The method's parameter names, renamed where they would hide a name the call uses (the
    /// receiver, the method) or repeat one another: lambda parameters shadow outer names.
    /// </summary>
    private static string[] ParameterNames(ImmutableArray<IParameterSymbol> parameters, ExpressionSyntax group)
    {
        var taken = new HashSet<string>(
            group.DescendantNodesAndSelf().OfType<SimpleNameSyntax>().Select(n => n.Identifier.ValueText),
            System.StringComparer.Ordinal);
        var names = new string[parameters.Length];
        for (int i = 0; i < names.Length; i++)
        {
            string name = parameters[i].Name.Length > 0 ? parameters[i].Name : "arg";
            string unique = name;
            for (int n = 1; !taken.Add(unique); n++) unique = name + n;
            names[i] = SymbolText.Identifier(unique);
        }

        return names;
    }

    /// <summary>False for a type C# cannot spell: an anonymous type, or one built from it.</summary>
    private static bool CanBeWritten(ITypeSymbol type) => type switch
    {
        { IsAnonymousType: true } or IErrorTypeSymbol => false,
        IArrayTypeSymbol array => CanBeWritten(array.ElementType),
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => false,
        INamedTypeSymbol named => named.TypeArguments.All(CanBeWritten),
        _ => true,
    };

    private static string ParameterModifier(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.RefReadOnlyParameter => "ref readonly ",
        _ => "",
    };

    private static string ArgumentModifier(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In or RefKind.RefReadOnlyParameter => "in ",
        _ => "",
    };

    /// <summary>Where a lambda cannot stand as it is: as a cast's operand, or an operand of any operator.</summary>
    private static bool NeedsParentheses(ExpressionSyntax group) => group.Parent is not (
        ArgumentSyntax or EqualsValueClauseSyntax or AssignmentExpressionSyntax or ReturnStatementSyntax
        or ArrowExpressionClauseSyntax or ParenthesizedExpressionSyntax or InitializerExpressionSyntax
        or ConditionalExpressionSyntax or SwitchExpressionArmSyntax or YieldStatementSyntax);
}
