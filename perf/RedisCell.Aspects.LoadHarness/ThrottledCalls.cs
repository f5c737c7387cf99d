namespace RedisCell.Aspects.LoadHarness;

/// <summary>
/// The throttled calls the harness measures: methods that carry the attributes, so every call runs
/// the interceptor the source generator writes for this project, as it does in an application:
/// the key built from the argument, the shared limiter asked, the method called. The methods do
/// nothing, so what is measured is the throttling. The limits are far above what any run reaches:
/// every call is allowed and does its full work.
/// </summary>
internal static class ThrottledCalls
{
    /// <summary>GCRA, as <c>CL.THROTTLE user:&lt;userId&gt; 1000000000 1000000 1</c>.</summary>
    [Throttle("user:{userId}", 1_000_000_000, 1_000_000, 1)]
    public static Task GcraAsync(int userId) => Task.CompletedTask;

    /// <summary>The same GCRA on the limiter that found the module and calls CL.THROTTLE from its script.</summary>
    [Throttle("user:{userId}", 1_000_000_000, 1_000_000, 1, Limiter = ModuleLimiters.Guarded)]
    public static Task GcraGuardedModuleAsync(int userId) => Task.CompletedTask;

    /// <summary>The same GCRA on the limiter that sends CL.THROTTLE itself.</summary>
    [Throttle("user:{userId}", 1_000_000_000, 1_000_000, 1, Limiter = ModuleLimiters.Direct)]
    public static Task GcraDirectModuleAsync(int userId) => Task.CompletedTask;

    /// <summary>A one-second fixed window per user.</summary>
    [RatePerSecond(1_000_000_000, Key = "window:{userId}")]
    public static Task WindowAsync(int userId) => Task.CompletedTask;
}

/// <summary>The named shared limiters of the module cases (<c>--module</c>).</summary>
internal static class ModuleLimiters
{
    public const string Guarded = "module-guarded";
    public const string Direct = "module-direct";
}
