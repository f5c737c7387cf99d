using System.Runtime.CompilerServices;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// Starts the thread pool with enough threads for everything this test process runs at once.
/// </summary>
/// <remarks>
/// The process hosts Garnet, runs xunit, and drives outage tests whose latency bounds are the point.
/// When a burst of work briefly holds every pool thread, the pool adds one thread about every half
/// second, so an awaited timeout fires up to 500 ms late and an outage test blames the limiter for
/// the test process's own congestion (about one full run in two failed that way on a two-core
/// machine, the same before and after the deny cache). The limiter's asynchronous path blocks no
/// pool thread, so the floor changes what the tests measure only by removing that queueing.
/// </remarks>
internal static class ThreadPoolFloor
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completionPorts, 64));
    }
}
