using Microsoft.CodeAnalysis;

namespace RedisCell.Aspects.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the package reports, in one table. IDs are <c>RCA001</c>… in the order they
/// were added; the generator reports the ones below (misuse it cannot turn into working code),
/// and the analyzers will add theirs here, from <c>RCA013</c> on.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Usage = "RedisCell.Aspects.Usage";
    private const string Generation = "RedisCell.Aspects.Generation";

    /// <summary>RCA001: a limit's numbers are out of range.</summary>
    public static readonly DiagnosticDescriptor InvalidLimit = new(
        "RCA001",
        "Rate limit numbers are out of range",
        "[{0}] on '{1}': {2}",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "GCRA needs max_burst >= 0, count >= 1 and period >= 1 with an emission interval of at least a microsecond whose tolerance fits in 63 bits of nanoseconds; [RatePerSecond] and [TokenBudget] need a limit of at least 1.");

    /// <summary>RCA002: a key template cannot be parsed.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateMalformed = new(
        "RCA002",
        "Key template is malformed",
        "Key template \"{0}\" on '{1}' is malformed: {2}",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A key template is text with {parameter} or {parameter.Member} holes (<parameter> is an alias); {{ and }} write literal braces.");

    /// <summary>RCA003: a key template names something that is not a parameter.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateUnknownParameter = new(
        "RCA003",
        "Key template names no parameter",
        "Key template \"{0}\" on '{1}' uses '{2}', which is not a parameter of the method",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA004: a key template names a member that does not exist or cannot be read.</summary>
    public static readonly DiagnosticDescriptor KeyTemplateUnknownMember = new(
        "RCA004",
        "Key template names a missing member",
        "Key template \"{0}\" on '{1}' uses '{2}', but '{3}' has no readable instance field or property '{4}'",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA005: a key template uses a value that cannot be written into a key before the call.</summary>
    public static readonly DiagnosticDescriptor KeyValueNotUsable = new(
        "RCA005",
        "Key template uses a value that cannot be formatted",
        "Key template \"{0}\" on '{1}' uses '{2}', which {3}",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA006: Quantity or Cost does not name an integer parameter.</summary>
    public static readonly DiagnosticDescriptor QuantityInvalid = new(
        "RCA006",
        "Quantity or Cost must name an integer parameter",
        "{0} = \"{1}\" on '{2}' {3}",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA007: the method has a shape the generator cannot rewrite.</summary>
    public static readonly DiagnosticDescriptor UnsupportedMethod = new(
        "RCA007",
        "Rate-limited method cannot be rewritten",
        "'{0}' cannot be rate limited: {1}",
        Generation, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA008: generated interceptors cannot call the method.</summary>
    public static readonly DiagnosticDescriptor MethodNotAccessible = new(
        "RCA008",
        "Rate-limited method is not accessible to generated code",
        "'{0}' is {1}, so generated interceptors cannot call it; make it internal or public, or use partial mode ('partial' declaration with the body in '{2}Core')",
        Generation, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA009: a call to a rate-limited method cannot be intercepted and escapes the limiter.</summary>
    public static readonly DiagnosticDescriptor CallNotIntercepted = new(
        "RCA009",
        "Call escapes the rate limiter",
        "This call to '{0}' is not rate limited: {1}",
        Generation, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "Interceptors can only replace ordinary calls. Use partial mode to limit every caller.");

    /// <summary>RCA010: a partial-mode method has no <c>…Core</c> method to call.</summary>
    public static readonly DiagnosticDescriptor PartialCoreMissing = new(
        "RCA010",
        "Partial rate-limited method needs its Core method",
        "'{0}' is declared partial, so the generator implements it by calling '{1}', which does not exist; move the body into a method '{1}' with the same parameters",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA011: a partial-mode method's containing type is not partial.</summary>
    public static readonly DiagnosticDescriptor PartialTypeNotPartial = new(
        "RCA011",
        "Type of a partial rate-limited method must be partial",
        "'{0}' is declared partial, but its containing type '{1}' is not; declare '{1}' partial",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>RCA012: a partial-mode method lacks an accessibility modifier, so it could silently lose its body.</summary>
    public static readonly DiagnosticDescriptor PartialNeedsAccessibility = new(
        "RCA012",
        "Partial rate-limited method needs an accessibility modifier",
        "'{0}' needs an accessibility modifier (such as 'private' or 'public'), so that the build fails instead of dropping the method when its generated implementation is missing",
        Usage, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
