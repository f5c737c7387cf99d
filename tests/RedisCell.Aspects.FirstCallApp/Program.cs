// RedisCell.Aspects.FirstCallApp <run> <calls> [<pause_ms>]
//
// Configured only by the environment (REDIS_URL, or REDIS_HOST and REDIS_PORT), with no logging:
// calls Once(run) <calls> times as soon as it starts, <pause_ms> apart, and prints "allowed" or
// "limited" for each, then how long the first call took ("first_call_ms=…"). Once allows one call
// a minute per run. What the library writes to stderr is left for the caller to read.
using System.Diagnostics;
using RedisCell.Aspects;

int pauseMs = 0;
if (args.Length is < 2 or > 3 || !int.TryParse(args[1], out int calls) || (args.Length == 3 && !int.TryParse(args[2], out pauseMs)))
{
    Console.Error.WriteLine("usage: <run> <calls> [<pause_ms>]");
    return 2;
}

long started = Stopwatch.GetTimestamp();
double firstCallMs = 0;
for (int i = 0; i < calls; i++)
{
    try
    {
        Limited.Once(args[0]);
        Console.WriteLine("allowed");
    }
    catch (RateLimitExceededException)
    {
        Console.WriteLine("limited");
    }

    if (i == 0) firstCallMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (pauseMs > 0) Thread.Sleep(pauseMs);
}

Console.WriteLine($"first_call_ms={firstCallMs:0}");
return 0;

internal static class Limited
{
    [Throttle("first-call:{run}", 0, 1, 60)]
    public static void Once(string run)
    {
    }
}
