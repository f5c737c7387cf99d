// RedisCell.Aspects.FirstCallApp <run> <calls>
//
// Configured only by the environment (REDIS_URL, or REDIS_HOST and REDIS_PORT): calls Once(run)
// <calls> times as soon as it starts and prints "allowed" or "limited" for each, then how long the
// first call took ("first_call_ms=…"). Once allows one call a minute per run.
using System.Diagnostics;
using RedisCell.Aspects;

if (args.Length != 2 || !int.TryParse(args[1], out int calls))
{
    Console.Error.WriteLine("usage: <run> <calls>");
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
