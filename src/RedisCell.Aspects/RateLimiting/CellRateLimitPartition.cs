using System;
using System.Threading.RateLimiting;

namespace RedisCell.Aspects.RateLimiting;

/// <summary>
/// <see cref="RateLimitPartition{TKey}"/>s backed by <see cref="CellRateLimiter"/>, for APIs that take
/// partitions: ASP.NET Core's <c>AddPolicy</c>, <c>PartitionedRateLimiter.Create</c>.
/// </summary>
public static class CellRateLimitPartition
{
    /// <summary>
    /// A partition whose limiter applies <paramref name="policy"/> to the key <paramref name="keyFor"/>
    /// gives for the partition key.
    /// </summary>
    /// <param name="partitionKey">The partition key (a user id, an IP address).</param>
    /// <param name="policy">The limit.</param>
    /// <param name="keyFor">The store key for a partition key, built with <see cref="Keys.RateLimitKey"/> so that a partition key cannot pose as another key: <c>id =&gt; RateLimitKey.Create($"api:{id}")</c>.</param>
    /// <param name="options">Which limiter decides and what a synchronous acquire does; defaults when null.</param>
    public static RateLimitPartition<TKey> Get<TKey>(TKey partitionKey, RateLimitPolicy policy, Func<TKey, string> keyFor, CellRateLimiterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(keyFor);
        return new RateLimitPartition<TKey>(partitionKey, key => new CellRateLimiter(policy, keyFor(key), options));
    }
}
