using System.Diagnostics;
using System.Reflection;

namespace RedisCell.Aspects.Tests.Runtime;

public sealed class RateLimitKeyTests
{
    [Fact]
    public void LiteralsAreKeptAndValuesEscaped()
    {
        string user = "a:b{c}%\n";
        Assert.Equal("user:a%3Ab%7Bc%7D%25%0A:orders", RateLimitKey.Create($"user:{user}:orders"));
        Assert.Equal("{user:42}:minute", RateLimitKey.Create($"{{user:{42}}}:minute"));
        Assert.Equal("42", RateLimitKey.Escape("42"));
    }

    [Fact]
    public void OneValueCannotPoseAsTwo()
    {
        string a = "x:y", b = "z", c = "x", d = "y:z";
        Assert.NotEqual(RateLimitKey.Create($"k:{a}:{b}"), RateLimitKey.Create($"k:{c}:{d}"));
        string? none = null;
        string empty = "";
        Assert.NotEqual(RateLimitKey.Create($"k:{none}"), RateLimitKey.Create($"k:{empty}"));
    }

    [Fact]
    public void AKeyMadeOfEmptyValuesIsStillAKey()
    {
        // [Throttle("{id}", …)] called with id == "": rate limited like any id, not an ArgumentException.
        string empty = "";
        string key = RateLimitKey.Create($"{empty}");
        Assert.Equal(RateLimitKey.EmptyKey, key);
        Assert.Equal(key, new RateLimitRule(new GcraPolicy(0, 1, 1), key).Key);
        Assert.NotEqual(key, RateLimitKey.Create($"{"%E"}")); // no value escapes to it
        string? none = null;
        Assert.NotEqual(key, RateLimitKey.Create($"{none}"));
        Assert.Equal("", RateLimitKey.Escape("")); // a value on its own stays empty
    }

    [Fact]
    public void ValuesAreFormattedWithTheInvariantCulture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            double price = 1234.5;
            var when = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            Assert.Equal("p:1234.5", RateLimitKey.Create($"p:{price}"));
            Assert.Equal("d:01/02/2026 03%3A04%3A05", RateLimitKey.Create($"d:{when}"));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Fact]
    public void ValueTypesAreNotBoxed()
    {
        int id = 123456;
        Guid guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        _ = RateLimitKey.Create($"warm:{id}:{guid}");
        long before = GC.GetAllocatedBytesForCurrentThread();
        string key = RateLimitKey.Create($"user:{id}:{guid}");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Only the key string itself: 24 bytes of header and length, 2 bytes per char, padded. A Debug
        // build of the library runs unoptimised, where the JIT keeps the boxes of the type tests.
        Assert.Equal("user:123456:0f8fad5b-d9cb-469f-a165-70867728950e", key);
        long stringBytes = 24 + (2 * key.Length) + 8;
        bool optimised = typeof(RateLimitKey).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        long bound = optimised ? stringBytes : stringBytes + (2 * (24 + 32));
        Assert.True(allocated <= bound, $"{allocated} bytes for a {key.Length}-char key (optimised: {optimised})");
    }

    [Fact]
    public void LongKeysAreBoundedKeepingTheirHashTag()
    {
        string huge = new('x', 1_000_000);
        string key = RateLimitKey.Create($"{{tenant:{7}}}:doc:{huge}");
        Assert.True(key.Length <= RateLimitKey.MaxLength, $"{key.Length} chars");
        Assert.Equal("tenant:7", RateLimitKey.HashTag(key).ToString());
        Assert.Equal(key, RateLimitKey.Create($"{{tenant:{7}}}:doc:{huge}"));
        Assert.NotEqual(key, RateLimitKey.Create($"{{tenant:{7}}}:doc:{huge + "y"}"));

        string untagged = RateLimitKey.Create($"plain:{huge}");
        Assert.True(untagged.Length <= RateLimitKey.MaxLength);
        Assert.True(RateLimitKey.HashTag(untagged).IsEmpty);
        Assert.StartsWith("plain:xxx", untagged);
    }

    [Fact]
    public void ALongHashTagIsReplacedByItsHashButStaysATag()
    {
        string tenant = new('t', 500);
        string a = RateLimitKey.Create($"{{{tenant}}}:a");
        string b = RateLimitKey.Create($"{{{tenant}}}:b:{new string('b', 400)}");
        Assert.Equal(RateLimitKey.HashTag(b).ToString(), RateLimitKey.HashTag(RateLimitKey.Create($"{{{tenant}}}:c:{new string('c', 400)}")).ToString());
        Assert.True(RateLimitKey.HashTag(b).Length <= 64);
        Assert.Equal(RateLimitKey.HashTag(a).ToString(), RateLimitKey.HashTag(b).ToString());
        Assert.True(a.Length <= RateLimitKey.MaxLength);
    }
}
