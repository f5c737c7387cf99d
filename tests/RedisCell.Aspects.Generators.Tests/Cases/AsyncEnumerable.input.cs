using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects;

namespace Shop;

public sealed class Feed
{
    [Throttle("feed:{topic}", 2, 10, 60)]
    public async IAsyncEnumerable<string> ReadAsync(string topic, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return topic;
    }

    // No token of its own: the limiter's wait takes the enumerator's.
    [Gcra(2, 10, 60)]
    public async IAsyncEnumerable<int> CountAsync(int to)
    {
        for (int i = 0; i < to; i++) { await Task.Yield(); yield return i; }
    }
}

public static class Caller
{
    public static async Task<int> Run(Feed feed)
    {
        int count = 0;
        await foreach (string item in feed.ReadAsync("news")) count += item.Length;
        await foreach (int n in feed.CountAsync(2)) count += n;
        return count;
    }
}
