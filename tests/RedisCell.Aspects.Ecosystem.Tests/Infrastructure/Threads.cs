namespace RedisCell.Aspects.Ecosystem.Tests.Infrastructure;

/// <summary>Runs code on a thread that is not a thread-pool thread, as a console app's main thread is.</summary>
public static class Threads
{
    public static T OnDedicatedThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60))) throw new TimeoutException("The dedicated thread did not finish within 60 s.");
        if (failure is not null) throw new InvalidOperationException("The work failed on its dedicated thread.", failure);
        return result;
    }
}
