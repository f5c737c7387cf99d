using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using RedisCell.Aspects.Generators.Model;
using RedisCell.Aspects.Generators.Parsing;

namespace RedisCell.Aspects.Generators.Emitting;

/// <summary>
/// Writes generated source from models: one file of interceptors for the compilation's call
/// sites, and one file per partial-mode method. Both ask the shared limiter, then call the method.
/// </summary>
internal static class Emitter
{
    public const string GeneratedNamespace = "RedisCell.Aspects.Generated";
    public const string InterceptorsHintName = "RedisCell.Aspects.Interceptors.g.cs";

    private const string Runtime = "global::RedisCell.Aspects.";
    private const string Tasks = "global::System.Threading.Tasks.";

    private static readonly string s_generatedCode =
        $"[global::System.CodeDom.Compiler.GeneratedCode(\"{RateLimitAttributes.GeneratorName}\", \"{typeof(Emitter).Assembly.GetName().Version}\")]";

    /// <summary>Writes the interceptors of every intercepted method, in one file-local class.</summary>
    public static string EmitInterceptors(IReadOnlyList<InterceptorGroup> groups)
    {
        var writer = new SourceWriter();
        WriteHeader(writer);
        writer.Open($"namespace {GeneratedNamespace}");
        writer.Open("file static class RateLimitInterceptors");
        for (int m = 0; m < groups.Count; m++)
        {
            if (m > 0) writer.Line();
            InterceptorGroup group = groups[m];
            TargetMethod target = group.Target;
            string fieldPrefix = $"s_method{m}_policy";
            writer.Line($"// {target.Id}");
            WritePolicyFields(writer, target.Rules, fieldPrefix, "private static readonly");
            writer.Line();
            foreach (InterceptionLocation location in group.Locations)
            {
                writer.Line($"[global::System.Runtime.CompilerServices.InterceptsLocation({location.Version}, \"{location.Data}\")] // {location.Display}");
            }

            var parameters = new List<string>();
            string receiver = ReceiverName(target);
            if (target.Receiver != ReceiverKind.None)
            {
                string byRef = target.Receiver switch { ReceiverKind.Ref => "ref ", ReceiverKind.In => "in ", _ => "" };
                parameters.Add($"this {byRef}{target.ContainingType} {receiver}");
            }

            parameters.AddRange(target.Parameters.Select(Declaration));
            string typeParameters = TypeParameterList(target.TypeParameters);
            string byRefReturn = ByRefReturn(target.Shape);
            writer.Line($"public static {byRefReturn}{target.ReturnType} {target.Name.TrimStart('@')}_{m}{typeParameters}({string.Join(", ", parameters)})");
            WriteConstraints(writer, target.TypeParameters);
            writer.Open("");

            string call = target.IsStatic
                ? $"{target.ContainingType}.{target.Name}{TypeParameterList(target.MethodTypeParameters)}"
                : $"{receiver}.{target.Name}{TypeParameterList(target.MethodTypeParameters)}";
            string? helperReceiver = target.Receiver == ReceiverKind.Value ? $"{target.ContainingType} {receiver}" : null;
            WriteBody(writer, target, fieldPrefix, call, call, helperReceiver, receiver);
            writer.Close();
        }

        writer.Close();
        writer.Close();
        writer.Line();

        // The compiler recognizes the attribute by its full name only; file-local, it cannot clash
        // with another generator's copy.
        writer.Open("namespace System.Runtime.CompilerServices");
        writer.Line("[global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]");
        writer.Open("file sealed class InterceptsLocationAttribute : global::System.Attribute");
        writer.Open("public InterceptsLocationAttribute(int version, string data)");
        writer.Line("_ = version;");
        writer.Line("_ = data;");
        writer.Close();
        writer.Close();
        writer.Close();
        return writer.ToString();
    }

    /// <summary>Writes the implementing declaration of a partial-mode method.</summary>
    public static string EmitPartial(PartialMethodModel model)
    {
        TargetMethod target = model.Method;
        var writer = new SourceWriter();
        WriteHeader(writer);
        if (model.Namespace is not null) writer.Open($"namespace {model.Namespace}");
        foreach (ContainingTypeModel type in model.ContainingTypes) writer.Open($"partial {type.Keyword} {type.Name}");

        writer.Line(s_generatedCode);
        string typeParameters = TypeParameterList(target.MethodTypeParameters);
        writer.Line($"{model.Modifiers} {model.ReturnsByRef}{target.ReturnType} {target.Name}{typeParameters}({string.Join(", ", target.Parameters.Select(Declaration))})");
        if (!model.Modifiers.Split(' ').Contains("override")) WriteConstraints(writer, target.MethodTypeParameters);
        writer.Open("");
        string core = target.Name.TrimStart('@') + "Core" + TypeParameterList(target.MethodTypeParameters);
        string policies = $"global::{GeneratedNamespace}.RateLimitPolicies";
        if (target.IsStatic)
        {
            WriteBody(writer, target, policies + ".Policy", core, core, null, null);
        }
        else
        {
            string self = GeneratedPrefix(target) + "self";
            WriteBody(writer, target, policies + ".Policy", "this." + core, self + "." + core, $"{target.ContainingType} {self}", "this");
        }

        writer.Close();
        foreach (ContainingTypeModel unused in model.ContainingTypes) writer.Close();
        if (model.Namespace is not null) writer.Close();
        writer.Line();
        writer.Open($"namespace {GeneratedNamespace}");
        writer.Line($"// {target.Id}");
        writer.Open("file static class RateLimitPolicies");
        WritePolicyFields(writer, target.Rules, "Policy", "internal static readonly");
        writer.Close();
        writer.Close();
        return writer.ToString();
    }

    // The receiver sits in the user's parameter list, where a parameter may be named 'this' (@this).
    private static string ReceiverName(TargetMethod target) =>
        target.Parameters.Any(p => p.Name.TrimStart('@') == "this") ? GeneratedPrefix(target) + "this" : "@this";

    /// <summary>
    /// The prefix of every name the generated code declares beside the user's parameters (receivers,
    /// rules, key builders, helper functions and their parameters): "__", unless a parameter of the
    /// method already starts with it.
    /// </summary>
    private static string GeneratedPrefix(TargetMethod target)
    {
        string prefix = "__";
        for (int n = 1; target.Parameters.Any(p => p.Name.TrimStart('@').StartsWith(prefix, System.StringComparison.Ordinal)); n++)
        {
            prefix = "__rc" + n + "_";
        }

        return prefix;
    }

    private static void WriteHeader(SourceWriter writer)
    {
        writer.Line("// <auto-generated/>");
        writer.Line("#nullable enable");
        writer.Line();
    }

    private static void WritePolicyFields(SourceWriter writer, EquatableArray<RuleModel> rules, string prefix, string modifiers)
    {
        for (int r = 0; r < rules.Count; r++)
        {
            RuleModel rule = rules[r];
            string type = rule.Kind == RuleKind.Gcra ? "Gcra.GcraPolicy" : "FixedWindow.FixedWindowPolicy";
            writer.Line($"// [{rule.Attribute}]");
            writer.Line($"{modifiers} {Runtime}{type} {prefix}{r} = {PolicyExpression(rule)};");
        }
    }

    private static string PolicyExpression(RuleModel rule)
    {
        string failure = rule.FailureMode is null
            ? ""
            : $" {{ FailureMode = {(rule.FailureMode.StartsWith("(") ? $"({Runtime}FailureMode){rule.FailureMode}" : $"{Runtime}FailureMode.{rule.FailureMode}")} }}";
        return rule.Kind switch
        {
            RuleKind.Gcra => $"new {Runtime}Gcra.GcraPolicy({rule.MaxBurst}, {rule.Count}, {rule.PeriodSeconds}){failure}",
            RuleKind.PerSecond when failure.Length == 0 => $"{Runtime}FixedWindow.FixedWindowPolicy.PerSecond({rule.Limit})",
            RuleKind.TokensPerMinute when failure.Length == 0 => $"{Runtime}FixedWindow.FixedWindowPolicy.TokensPerMinute({rule.Limit})",
            RuleKind.PerSecond => $"new {Runtime}FixedWindow.FixedWindowPolicy({rule.Limit}, global::System.TimeSpan.FromSeconds(1)){failure}",
            _ => $"new {Runtime}FixedWindow.FixedWindowPolicy({rule.Limit}, global::System.TimeSpan.FromMinutes(1)){failure}",
        };
    }

    /// <summary>
    /// Writes a body that builds the rules, asks the shared limiter, and calls the method.
    /// <paramref name="call"/> is the method to call before any await, <paramref name="helperCall"/>
    /// the same from a static local function whose receiver parameter is <paramref name="helperReceiver"/>.
    /// </summary>
    private static void WriteBody(
        SourceWriter writer,
        TargetMethod target,
        string policyPrefix,
        string call,
        string helperCall,
        string? helperReceiver,
        string? receiverArgument)
    {
        string local = GeneratedPrefix(target);
        for (int r = 0; r < target.Rules.Count; r++) WriteRule(writer, target.Rules[r], r, policyPrefix + r, local);

        string directArguments = string.Join(", ", target.Parameters.Select(p => p.ArgumentPrefix + p.Name));
        string directCall = $"{call}({directArguments})";
        string? callToken = target.Parameters.FirstOrDefault(p => p.IsCancellationToken)?.Name;
        string token = callToken ?? "default";
        bool many = target.Rules.Count > 1;
        string limiter = LimiterOf(target);
        string ruleList = string.Join(", ", Enumerable.Range(0, target.Rules.Count).Select(r => $"{local}rule{r}"));

        bool awaitable = target.Shape is ReturnShape.Task or ReturnShape.TaskOfT or ReturnShape.ValueTask or ReturnShape.ValueTaskOfT;
        if (target.Shape == ReturnShape.AsyncEnumerable)
        {
            string element = target.ElementType!;
            string rulesParameter = many ? $"{Runtime}RateLimitRule[] {local}rules" : $"{Runtime}RateLimitRule {local}rules";
            string rulesArgument = many ? $"new {Runtime}RateLimitRule[] {{ {ruleList} }}" : $"{local}rule0";
            string enumeratorToken = $"{local}cancellationToken";
            string callTokenName = $"{local}callCancellationToken";
            writer.Line("// The call happens now; the limiter is asked when enumeration starts, once per enumeration.");
            writer.Line($"return {local}AcquireOnEnumeration({rulesArgument}, {directCall}{(callToken is null ? "" : ", " + callToken)});");
            writer.Line();
            string callTokenParameter = callToken is null ? "" : $"global::System.Threading.CancellationToken {callTokenName}, ";
            writer.Open($"static async global::System.Collections.Generic.IAsyncEnumerable<{element}> {local}AcquireOnEnumeration({rulesParameter}, global::System.Collections.Generic.IAsyncEnumerable<{element}> {local}source, {callTokenParameter}[global::System.Runtime.CompilerServices.EnumeratorCancellation] global::System.Threading.CancellationToken {enumeratorToken} = default)");
            if (callToken is null)
            {
                writer.Line($"await {limiter}.AcquireAsync({local}rules, {enumeratorToken});");
            }
            else
            {
                // The method's iterator honours both its token argument and the enumerator's
                // (WithCancellation); so does the wait for the limiter, or a cancelled call would
                // still consume its budget.
                writer.Open($"using (global::System.Threading.CancellationTokenSource? {local}linked = {callTokenName}.CanBeCanceled && {enumeratorToken}.CanBeCanceled ? global::System.Threading.CancellationTokenSource.CreateLinkedTokenSource({callTokenName}, {enumeratorToken}) : null)");
                writer.Line($"await {limiter}.AcquireAsync({local}rules, {local}linked?.Token ?? ({enumeratorToken}.CanBeCanceled ? {enumeratorToken} : {callTokenName}));");
                writer.Close();
                writer.Line();
            }

            writer.Open($"await foreach ({element} {local}item in global::System.Threading.Tasks.TaskAsyncEnumerableExtensions.WithCancellation({local}source, {enumeratorToken}).ConfigureAwait(false))");
            writer.Line($"yield return {local}item;");
            writer.Close();
            writer.Close();
            return;
        }

        if (awaitable && target.CanDefer)
        {
            string rules = many ? $"new {Runtime}RateLimitRule[] {{ {ruleList} }}" : $"{local}rule0";
            writer.Line($"{Tasks}ValueTask {local}acquire = {limiter}.AcquireAsync({rules}, {token});");
            writer.Open($"if ({local}acquire.IsCompletedSuccessfully)");
            writer.Line($"{local}acquire.GetAwaiter().GetResult();");
            writer.Line($"return {directCall};");
            writer.Close();
            writer.Line();

            var helperParameters = new List<string> { $"{Tasks}ValueTask {local}acquire" };
            var helperArguments = new List<string> { $"{local}acquire" };
            if (helperReceiver is not null)
            {
                helperParameters.Add(helperReceiver);
                helperArguments.Add(receiverArgument!);
            }

            helperParameters.AddRange(target.Parameters.Select(p => $"{p.Type} {p.Name}"));
            helperArguments.AddRange(target.Parameters.Select(p => p.Name));
            writer.Line($"return {local}AcquireThenCall({string.Join(", ", helperArguments)});");
            writer.Line();
            string returns = target.Shape is ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT ? "return " : "";
            writer.Open($"static async {target.ReturnType} {local}AcquireThenCall({string.Join(", ", helperParameters)})");
            writer.Line("// Resumes on the caller's context, so the method runs where it was called.");
            writer.Line($"await {local}acquire;");
            writer.Line($"{returns}await {helperCall}({string.Join(", ", target.Parameters.Select(p => p.Name))}).ConfigureAwait(false);");
            writer.Close();
            return;
        }

        if (awaitable)
        {
            writer.Line("// ref, out or ref struct arguments cannot wait for the limiter asynchronously: it is asked synchronously.");
        }

        writer.Line(many
            ? $"{limiter}.Acquire([{ruleList}]);"
            : $"{limiter}.Acquire(in {local}rule0);");
        writer.Line(target.Shape switch
        {
            ReturnShape.Void => $"{directCall};",
            ReturnShape.RefValue or ReturnShape.RefReadOnlyValue => $"return ref {directCall};",
            _ => $"return {directCall};",
        });
    }

    // The limiter the rules name (all name the same one, or the parser reported RCA022).
    private static string LimiterOf(TargetMethod target) => target.Rules[0].Limiter is { } name
        ? $"{Runtime}SharedLimiter.Get({Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(name, quote: true)})"
        : $"{Runtime}SharedLimiter.Current";

    private static void WriteRule(SourceWriter writer, RuleModel rule, int index, string policy, string local)
    {
        string key;
        if (rule.Key.Constant is not null)
        {
            key = SymbolDisplay.FormatLiteral(rule.Key.Constant, quote: true);
        }
        else
        {
            string builder = $"{local}key{index}";
            int capacity = System.Math.Min(256, System.Math.Max(64, rule.Key.LiteralLength + (rule.Key.ValueCount * 32)));
            writer.Line($"{Runtime}Keys.RateLimitKeyBuilder {builder} = new({rule.Key.LiteralLength}, {rule.Key.ValueCount}, stackalloc char[{capacity}]);");
            int value = 0;
            foreach (KeyPart part in rule.Key.Parts)
            {
                if (part.Literal is not null)
                {
                    writer.Line($"{builder}.AppendLiteral({SymbolDisplay.FormatLiteral(part.Literal, quote: true)});");
                }
                else
                {
                    WriteValue(writer, builder, part.Path, $"{local}value{index}_{value++}_");
                }
            }

            key = $"{builder}.ToStringAndClear()";
        }

        writer.Line($"{Runtime}RateLimitRule {local}rule{index} = new({policy}, {key}, {rule.Quantity ?? "1"});");
    }

    /// <summary>
    /// Appends a value read through a member chain. A link that is null writes the null marker
    /// instead of throwing, and nullable values are unwrapped so nothing is boxed.
    /// </summary>
    private static void WriteValue(SourceWriter writer, string builder, EquatableArray<ValueLink> path, string localPrefix) =>
        WriteValueFrom(writer, builder, path, 0, path[0].Name, localPrefix);

    private static void WriteValueFrom(SourceWriter writer, string builder, EquatableArray<ValueLink> path, int index, string expression, string localPrefix)
    {
        for (int i = index; ; i++)
        {
            ValueLink link = path[i];
            bool last = i == path.Count - 1;
            if (link.Null == NullKind.NullableValue || (!last && link.Null == NullKind.Reference))
            {
                string local = localPrefix + i;
                writer.Open($"if ({expression} is {{ }} {local})");
                if (last) writer.Line($"{builder}.{AppendMethod(link)}({local});");
                else WriteValueFrom(writer, builder, path, i + 1, local + "." + path[i + 1].Name, localPrefix);
                writer.Close();
                writer.Open("else");
                writer.Line($"{builder}.AppendLiteral({Runtime}Keys.RateLimitKey.NullValue);");
                writer.Close();
                return;
            }

            if (last)
            {
                writer.Line(link.IsDynamic
                    ? $"{builder}.AppendFormatted((object?){expression});"
                    : $"{builder}.{AppendMethod(link)}({expression});");
                return;
            }

            expression += "." + path[i + 1].Name;
        }
    }

    private static string AppendMethod(ValueLink link) => link.IsEnum ? "AppendEnum" : "AppendFormatted";

    private static string Declaration(ParameterModel parameter) => $"{parameter.DeclarationPrefix}{parameter.Type} {parameter.Name}";

    private static string ByRefReturn(ReturnShape shape) => shape switch
    {
        ReturnShape.RefValue => "ref ",
        ReturnShape.RefReadOnlyValue => "ref readonly ",
        _ => "",
    };

    /// <summary><c>&lt;T1, T2&gt;</c>: a declaration's type parameter list, or a call's explicit type arguments.</summary>
    private static string TypeParameterList(EquatableArray<TypeParameterModel> parameters) =>
        parameters.IsEmpty ? "" : "<" + string.Join(", ", parameters.Select(p => p.Name)) + ">";

    private static void WriteConstraints(SourceWriter writer, EquatableArray<TypeParameterModel> parameters)
    {
        foreach (TypeParameterModel parameter in parameters)
        {
            if (parameter.Constraints.Length > 0) writer.Line("    " + parameter.Constraints);
        }
    }
}
