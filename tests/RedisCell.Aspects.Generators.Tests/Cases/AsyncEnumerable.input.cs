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
}

public static class Caller
{
    public static async Task<int> Run(Feed feed)
    {
        int count = 0;
        await foreach (string item in feed.ReadAsync("news")) count += item.Length;
        return count;
    }
}
