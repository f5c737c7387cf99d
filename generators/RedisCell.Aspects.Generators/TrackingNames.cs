namespace RedisCell.Aspects.Generators;

/// <summary>
/// Names of the pipeline steps, so tests can find each step in a driver run and prove that an
/// unrelated edit leaves it cached.
/// </summary>
public static class TrackingNames
{
    /// <summary>Methods carrying <c>[Throttle]</c>, parsed (the first of the four attribute steps).</summary>
    public const string ThrottleDeclarations = nameof(ThrottleDeclarations);

    /// <summary>Methods carrying <c>[Gcra]</c> and no earlier attribute kind, parsed.</summary>
    public const string GcraDeclarations = nameof(GcraDeclarations);

    /// <summary>Methods carrying <c>[RatePerSecond]</c> and no earlier attribute kind, parsed.</summary>
    public const string RatePerSecondDeclarations = nameof(RatePerSecondDeclarations);

    /// <summary>Methods carrying <c>[TokenBudget]</c> and no other attribute kind, parsed.</summary>
    public const string TokenBudgetDeclarations = nameof(TokenBudgetDeclarations);

    /// <summary>Invocations of rate-limited methods, parsed into call sites.</summary>
    public const string CallSites = nameof(CallSites);

    /// <summary>Call sites that get an interceptor.</summary>
    public const string InterceptedCalls = nameof(InterceptedCalls);

    /// <summary>All intercepted calls, grouped by the method they call.</summary>
    public const string InterceptorGroups = nameof(InterceptorGroups);

    /// <summary>Whether the project enables interceptors for the generated namespace.</summary>
    public const string InterceptorsEnabled = nameof(InterceptorsEnabled);
}
