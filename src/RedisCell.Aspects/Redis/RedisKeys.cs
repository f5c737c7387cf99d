using System;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Where rules' logical keys are stored in Redis. Every script touches one hash slot: a multi-rule
/// check whose keys fall in different slots stores every key of the call under a hash tag derived
/// from the call's policies (<c>docs/design/cluster-keys.md</c>).
/// </summary>
internal sealed class RedisKeys
{
    private const string MultiTagPrefix = "{rc-multi:";

    private readonly RedisConnection _connection;

    public RedisKeys(RedisConnection connection) => _connection = connection;

    /// <summary>The keys one script call of <paramref name="rules"/> uses, all in one slot.</summary>
    public RedisKey[] For(ReadOnlySpan<RateLimitRule> rules)
    {
        var keys = new RedisKey[rules.Length];
        for (int i = 0; i < rules.Length; i++)
        {
            ThrowIfNotUtf16(rules[i].Key);
            keys[i] = rules[i].Key;
        }

        if (ShareOneSlot(rules)) return keys;
        string tag = ColocationTag(rules);
        for (int i = 0; i < rules.Length; i++) keys[i] = tag + rules[i].Key;
        return keys;
    }

    /// <summary>Where checks of <paramref name="checkedWith"/> together keep <paramref name="key"/>'s state.</summary>
    public string StoredKey(string key, ReadOnlySpan<RateLimitRule> checkedWith)
    {
        if (checkedWith.Length == 1) return key;
        RedisKey[] keys = For(checkedWith);
        for (int i = 0; i < checkedWith.Length; i++)
        {
            if (string.Equals(checkedWith[i].Key, key, StringComparison.Ordinal)) return (string)keys[i]!;
        }

        return key;
    }

    /// <summary>
    /// The hash tag that co-locates the keys of a multi-rule call on a cluster: derived from the
    /// call's policies (sorted, so the order of the rules does not matter), not from its keys.
    /// </summary>
    public static string ColocationTag(ReadOnlySpan<RateLimitRule> rules)
    {
        var policies = new string[rules.Length];
        for (int i = 0; i < rules.Length; i++) policies[i] = rules[i].Policy.ToString();
        Array.Sort(policies, StringComparer.Ordinal);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', policies)));
        return MultiTagPrefix + Convert.ToHexString(hash, 0, 8).ToLowerInvariant() + "}";
    }

    /// <summary>
    /// Refuses a key with a lone UTF-16 surrogate: Redis keys are UTF-8, where every lone surrogate
    /// becomes U+FFFD, so two different keys would be one. Keys built with <c>RateLimitKey</c> escape them.
    /// </summary>
    public static void ThrowIfNotUtf16(string key)
    {
        if (key.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return;
        for (int i = 0; i < key.Length; i++)
        {
            if (!char.IsSurrogate(key[i])) continue;
            if (char.IsHighSurrogate(key[i]) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
                continue;
            }

            throw new ArgumentException(
                $"The rate-limit key has a lone UTF-16 surrogate (U+{(int)key[i]:X4}) at index {i}; Redis would store it as U+FFFD and merge it with other keys. Build keys with RateLimitKey.Create, which escapes it.",
                "rule");
        }
    }

    private bool ShareOneSlot(ReadOnlySpan<RateLimitRule> rules)
    {
        // Off a cluster no slot is computed (-1): a single server pays nothing here.
        int first = _connection.SlotOf(rules[0].Key);
        if (first < 0) return true;
        for (int i = 1; i < rules.Length; i++)
        {
            if (_connection.SlotOf(rules[i].Key) != first) return false;
        }

        return true;
    }
}
