using System;
using Microsoft.Extensions.Logging;
using RedisCell.Aspects.Redis;

namespace RedisCell.Aspects.Telemetry;

/// <summary>
/// The library's log messages, generated at compile time. Event ids 1-99 are the store's
/// reliability (failure policy, circuit breaker, connections); 100-199 are kept for the rest.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "StoreUnavailable", Level = LogLevel.Warning,
        Message = "The rate-limit store could not decide in time ({Reason}); {Decisions} decision(s) followed the failure mode {FailureMode} since the last report.")]
    public static partial void StoreUnavailable(ILogger logger, string reason, long decisions, FailureMode failureMode, Exception? exception);

    [LoggerMessage(EventId = 2, EventName = "CircuitOpened", Level = LogLevel.Warning,
        Message = "The rate-limit store failed {Failures} decision(s) in a row; decisions follow the failure policy without waiting for it, and it is probed every {BreakDuration}.")]
    public static partial void CircuitOpened(ILogger logger, int failures, TimeSpan breakDuration);

    [LoggerMessage(EventId = 3, EventName = "CircuitClosed", Level = LogLevel.Information,
        Message = "The rate-limit store answers again after {Outage}; {Skipped} decision(s) skipped it meanwhile.")]
    public static partial void CircuitClosed(ILogger logger, TimeSpan outage, long skipped);

    [LoggerMessage(EventId = 4, EventName = "SyncConnectionOpened", Level = LogLevel.Information,
        Message = "Synchronous rate-limit decisions use a dedicated connection with SyncTimeout {TimeoutMs} ms, since the given connection waits up to {ConnectionTimeoutMs} ms.")]
    public static partial void SyncConnectionOpened(ILogger logger, int timeoutMs, int connectionTimeoutMs);

    [LoggerMessage(EventId = 5, EventName = "SyncConnectionNotOpened", Level = LogLevel.Warning,
        Message = "No dedicated connection could be opened for synchronous rate-limit decisions; they use the given connection and may wait up to its SyncTimeout of {ConnectionTimeoutMs} ms. Set its SyncTimeout to at most RedisCellOptions.Failure.Timeout, or create the limiter with RedisCellLimiter.ConnectAsync.")]
    public static partial void SyncConnectionNotOpened(ILogger logger, int connectionTimeoutMs, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "WarmUpIncomplete", Level = LogLevel.Debug,
        Message = "The rate limiter's warm-up did not finish ({Step}); the first decisions there load the scripts themselves and may spend part of their timeout doing so.")]
    public static partial void WarmUpIncomplete(ILogger logger, string step, Exception exception);

    [LoggerMessage(EventId = 20, EventName = "ModuleInUse", Level = LogLevel.Information,
        Message = "redis-cell's module is loaded on every primary server: GCRA decisions are made by its CL.THROTTLE ({ModuleUse}).")]
    public static partial void ModuleInUse(ILogger logger, RedisCellModuleUse moduleUse);

    [LoggerMessage(EventId = 21, EventName = "ModuleGone", Level = LogLevel.Warning,
        Message = "CL.THROTTLE is no longer a command on the server (the module was unloaded); GCRA decisions are made by the library's script again, on the same state.")]
    public static partial void ModuleGone(ILogger logger);
}
