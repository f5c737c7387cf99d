using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the package reports, in one table. IDs are <c>RCA001</c>… in the order they
/// were added. The generator reports RCA001–RCA008, RCA010–RCA012, RCA019, RCA020 and RCA022 (misuse it
/// cannot turn into working code, so it must be reported even when analyzers are switched off); the
/// analyzers report the rest (calls that escape the limiter, RCA009 included so that an intended
/// escape can be suppressed at the call, keys that collide, and awaitable methods whose limit is
/// decided synchronously, RCA023, which a method may accept). Each ID has a
/// page at <c>docs/diagnostics/RCAxxx.md</c>, which is also its help link. The sentences that
/// fill the message formats' holes are in <see cref="DiagnosticMessages"/>.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Usage = "RedisCell.Aspects.Usage";
    private const string Generation = "RedisCell.Aspects.Generation";
    private const string HelpLinkBase = "https://github.com/RedisCell/RedisCell.Aspects/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, DiagnosticSeverity severity, string? description = null, string[]? customTags = null) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpLinkBase + id + ".md", customTags: customTags ?? []);

    /// <summary>RCA001: a limit's numbers are out of range.</summary>
    public static readonly DiagnosticDescriptor InvalidLimit = Rule(
        "RCA001",
        "Rate limit numbers are out of range",
        "[{0}] on '{1}': {2}",
        Usage, DiagnosticSeverity.Error,
        "GCRA needs max_burst >= 0, count >= 1 and period >= 1 with an emission interval of at least a microsecond whose tolerance fits in 63 bits of nanoseconds; [RatePerSecond] and [TokenBudget] need a limit from 1 to 999,999,999,999,999.");

    /// <summary>RCA002: a key template cannot be parsed.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateMalformed = Rule(
        "RCA002",
        "Key template is malformed",
        "Key template \"{0}\" on '{1}' is malformed: {2}",
        Usage, DiagnosticSeverity.Error,
        "A key template is text with {parameter} or {parameter.Member} holes (<parameter> is an alias); {{ and }} write literal braces.");

    /// <summary>RCA003: a key template names something that is not a parameter.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateUnknownParameter = Rule(
        "RCA003",
        "Key template names no parameter",
        "Key template \"{0}\" on '{1}' uses '{2}', which is not a parameter of the method{3}",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA004: a key template names a member that does not exist or cannot be read.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateUnknownMember = Rule(
        "RCA004",
        "Key template names a missing member",
        "Key template \"{0}\" on '{1}' uses '{2}', but '{3}' has no readable instance field or property '{4}'",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA005: a key template uses a value that cannot be written into a key before the call.</summary>
    public static readonly DiagnosticDescriptor KeyValueNotUsable = Rule(
        "RCA005",
        "Key template uses a value that cannot be formatted",
        "Key template \"{0}\" on '{1}' uses '{2}', which {3}",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA006: Quantity or Cost does not name an integer parameter.</summary>
    public static readonly DiagnosticDescriptor QuantityInvalid = Rule(
        "RCA006",
        "Quantity or Cost must name an integer parameter",
        "{0} = \"{1}\" on '{2}' {3}",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA007: the method has a shape the generator cannot rewrite.</summary>
    public static readonly DiagnosticDescriptor UnsupportedMethod = Rule(
        "RCA007",
        "Rate-limited method cannot be rewritten",
        "'{0}' cannot be rate limited: {1}",
        Generation, DiagnosticSeverity.Error);

    /// <summary>RCA008: generated interceptors cannot call the method.</summary>
    public static readonly DiagnosticDescriptor MethodNotAccessible = Rule(
        "RCA008",
        "Rate-limited method is not accessible to generated code",
        "'{0}' is {1}, so generated interceptors cannot call it; make it internal or public, or use partial mode ('partial' declaration with the body in '{2}Core')",
        Generation, DiagnosticSeverity.Error);

    /// <summary>RCA009: a call to a rate-limited method cannot be intercepted and escapes the limiter (reported by an analyzer).</summary>
    public static readonly DiagnosticDescriptor CallNotIntercepted = Rule(
        "RCA009",
        "Call escapes the rate limiter",
        "This call to '{0}' is not rate limited: {1}",
        Generation, DiagnosticSeverity.Warning,
        "Interceptors can only replace ordinary calls. Use partial mode to limit every caller.");

    /// <summary>RCA010: a partial-mode method has no <c>…Core</c> method to call.</summary>
    public static readonly DiagnosticDescriptor PartialCoreMissing = Rule(
        "RCA010",
        "Partial rate-limited method needs its Core method",
        "'{0}' is declared partial, so the generator implements it by calling '{1}', which does not exist; move the body into a method '{1}' with the same parameters",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA011: a partial-mode method's containing type is not partial.</summary>
    public static readonly DiagnosticDescriptor PartialTypeNotPartial = Rule(
        "RCA011",
        "Type of a partial rate-limited method must be partial",
        "'{0}' is declared partial, but its containing type '{1}' is not; declare '{1}' partial",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA012: a partial-mode method lacks an accessibility modifier, so it could silently lose its body.</summary>
    public static readonly DiagnosticDescriptor PartialNeedsAccessibility = Rule(
        "RCA012",
        "Partial rate-limited method needs an accessibility modifier",
        "'{0}' needs an accessibility modifier (such as 'private' or 'public'), so that the build fails instead of dropping the method when its generated implementation is missing",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA013: a method group or delegate of a rate-limited method lets calls escape the limiter.</summary>
    public static readonly DiagnosticDescriptor DelegateEscapes = Rule(
        "RCA013",
        "Delegate to a rate-limited method escapes the limiter",
        "'{0}' is turned into a delegate here, and calls through the delegate are not rate limited; call it from a lambda, or use partial mode",
        Generation, DiagnosticSeverity.Warning,
        "Interceptors replace calls, not method groups: a delegate created from a rate-limited method calls the method directly. Wrap the call in a lambda (which is intercepted) or declare the method in partial mode.");

    /// <summary>RCA014: a rate-limited override or implementation whose base or interface member has no attribute.</summary>
    public static readonly DiagnosticDescriptor AttributeMissingOnBaseMember = Rule(
        "RCA014",
        "Base or interface member of a rate-limited method is not rate limited",
        "'{0}' is rate limited, but '{1}', which it {2}, is not: calls through '{1}' escape the limiter; copy the attribute to '{1}'",
        Generation, DiagnosticSeverity.Warning,
        "Interceptors are chosen by the method a call binds to. A call through an interface or base member binds to that member, so the attribute on the implementation or override is not seen.");

    /// <summary>RCA015: a call binds to a base or interface member while the method it reaches is rate limited.</summary>
    public static readonly DiagnosticDescriptor CallThroughUnlimitedMember = Rule(
        "RCA015",
        "Call through a member that is not rate limited",
        "This call binds to '{0}', which is not rate limited, so the limit of '{1}' is not applied; copy the attribute to '{0}' or use partial mode",
        Generation, DiagnosticSeverity.Warning);

    /// <summary>RCA016: a public method in interceptor mode is not limited for callers in other assemblies.</summary>
    public static readonly DiagnosticDescriptor PublicMethodInInterceptorMode = Rule(
        "RCA016",
        "Callers of a public rate-limited method in other assemblies are not limited",
        "'{0}' is visible to other assemblies, whose calls are only intercepted if they reference RedisCell.Aspects too; declare it partial (body in '{1}Core') to limit every caller",
        Generation, DiagnosticSeverity.Info);

    /// <summary>RCA017: a key template uses the &lt;param&gt; alias.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateAngleAlias = Rule(
        "RCA017",
        "Key template uses the <parameter> alias",
        "Key template \"{0}\" writes '<{1}>'; the canonical form is '{{{1}}}'",
        Usage, DiagnosticSeverity.Info);

    /// <summary>RCA018: a key template uses a value whose text is not a stable identity.</summary>
    public static readonly DiagnosticDescriptor KeyValueUnstable = Rule(
        "RCA018",
        "Key template uses a value without a stable text form",
        "Key template \"{0}\" on '{1}' uses '{2}' of type '{3}', which {4}",
        Usage, DiagnosticSeverity.Warning,
        "A key part is written with its invariant-culture text. A type that does not override ToString writes its type name, so every caller shares one key; name a member that identifies the caller instead.");

    /// <summary>RCA019: the interceptors feature is not enabled for the generated namespace (reported by the generator).</summary>
    public static readonly DiagnosticDescriptor InterceptorsNotEnabled = Rule(
        "RCA019",
        "Interceptors are not enabled for RedisCell.Aspects",
        "Calls to rate-limited methods cannot be intercepted because the project does not enable interceptors in the namespace 'RedisCell.Aspects.Generated'; add <InterceptorsNamespaces>$(InterceptorsNamespaces);RedisCell.Aspects.Generated</InterceptorsNamespaces> to the project",
        Generation, DiagnosticSeverity.Error,
        "Reported by the source generator once per project, at its first intercepted call, when the compiler's InterceptorsNamespaces feature lists neither RedisCell.Aspects.Generated nor a namespace containing it. Without it every generated interceptor fails with CS9137.");

    /// <summary>RCA020: a partial-mode method's Core method does not match its signature (reported by the generator).</summary>
    public static readonly DiagnosticDescriptor PartialCoreSignatureMismatch = Rule(
        "RCA020",
        "Core method does not match its partial rate-limited method",
        "'{0}' is implemented by calling '{1}', but {2}",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA021: two different policies write the same Redis key, or one method's call writes a key twice.</summary>
    public static readonly DiagnosticDescriptor KeySharedByPolicies = Rule(
        "RCA021",
        "Two policies share one Redis key",
        "Key \"{0}\" on '{1}' is also written by {2} {3}",
        Usage, DiagnosticSeverity.Warning,
        "Every attribute's policy reads and writes the state stored at its key. When two attributes with different algorithms or numbers can build the same key, each reads the other's state with its own rules, and both limits are wrong. "
        + "Two attributes of one method with the same key are wrong even with one policy: the rules of a call are all decided from the state before it and then all written, so a fixed window counts the call twice and GCRA keeps only the last rule's charge.",
        customTags: [WellKnownDiagnosticTags.CompilationEnd]);

    /// <summary>RCA022: the attributes on one method name different limiters.</summary>
    public static readonly DiagnosticDescriptor LimitersDiffer = Rule(
        "RCA022",
        "Rate-limit attributes on one method name different limiters",
        "The rate-limit attributes on '{0}' name different limiters ({1}); one limiter decides a call's limits together, so give them all the same Limiter",
        Usage, DiagnosticSeverity.Error);

    /// <summary>RCA023: a Task or ValueTask method whose limit is decided synchronously (reported by an analyzer).</summary>
    public static readonly DiagnosticDescriptor AwaitableLimitedSynchronously = Rule(
        "RCA023",
        "Awaitable rate-limited method asks the limiter synchronously",
        "'{0}' returns '{1}', but its limit is decided synchronously, blocking the calling thread until the limiter answers: {2}",
        Generation, DiagnosticSeverity.Info,
        "Generated code awaits the limiter only when the call can be made after an await: its arguments and receiver are carried into an async helper. "
        + "ref, out and ref readonly parameters, ref struct parameters, type parameters that allow ref structs and struct receivers cannot be, "
        + "so the call asks the synchronous Acquire, which waits for Redis on the calling thread before the method returns its task.");
}
