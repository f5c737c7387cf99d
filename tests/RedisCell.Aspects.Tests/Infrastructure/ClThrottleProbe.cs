using StackExchange.Redis;

namespace RedisCell.Aspects.Tests.Infrastructure;

/// <summary>
/// cl_throttle.lua itself with its final reply extended by what it wrote and what the server then
/// holds, read inside the same atomic script execution, so that no real millisecond passes between
/// the call and the read.
/// </summary>
public static class ClThrottleProbe
{
    private const string FinalReturn = "return gcra_reply(d, ARGV[6] == '1')";
    private const string Reach = "local NEAR = 4503599627370496";

    /// <summary>
    /// The probe script. Reply: <c>{gcra_reply(d, precise), GET key, PTTL key, written TAT or false,
    /// written TTL ms}</c>. Forcing the pairs sets the fast path's reach to nothing, so every call
    /// takes the exact pair arithmetic.
    /// </summary>
    public static string Script(bool forcePairs = false)
    {
        string text = RedisScript.ClThrottle.Text.TrimEnd();
        Assert.EndsWith(FinalReturn, text);
        Assert.Contains(Reach, text);
        if (forcePairs) text = text.Replace(Reach, "local NEAR = -1");
        return text[..^FinalReturn.Length]
            + "return {gcra_reply(d, ARGV[6] == '1'), redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1]), (not d.limited and d.ttl_ms > 0) and d.tat or false, d.ttl_ms}\n";
    }

    /// <summary>Reads a probe's reply.</summary>
    public static Observation Read(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        var reply = ((RedisResult[])parts[0]!).Select(r => (long)r).ToArray();
        return new Observation(reply, (string?)parts[1], (long)parts[2], parts[3].IsNull ? null : (string?)parts[3], (long)parts[4]);
    }

    /// <summary>What one probed call answered, wrote, and what the server then held.</summary>
    /// <param name="Reply">The script's reply: five CL.THROTTLE integers, then the precise pairs when asked.</param>
    /// <param name="Held">GET after the call.</param>
    /// <param name="HeldPttl">PTTL after the call.</param>
    /// <param name="Written">The TAT the call wrote, or null when it wrote none (refused, or a 0 ms TTL deleted).</param>
    /// <param name="WrittenTtlMs">The TTL it wrote with.</param>
    public sealed record Observation(long[] Reply, string? Held, long HeldPttl, string? Written, long WrittenTtlMs)
    {
        public CellThrottleReply Cell => new(Reply[0], Reply[1], Reply[2], Reply[3], Reply[4]);

        public bool Allowed => Reply[0] == 0;

        public long RetryAfterNanoseconds => (Reply[5] * 1_000_000_000L) + Reply[6];

        public long ResetAfterNanoseconds => (Reply[7] * 1_000_000_000L) + Reply[8];

        /// <summary>
        /// The state after the call as the script left it: what it wrote when allowed, else what the
        /// server held. Garnet applies its own clock to a TTL of a few milliseconds and may expire
        /// such a key before the next read even inside a script, so a key written with a TTL of at
        /// most <see cref="ShortTtlMs"/> may already be gone from <see cref="Held"/>; the decision and
        /// the write are still compared exactly.
        /// </summary>
        public string? State
        {
            get
            {
                if (!Allowed) return Held;
                if (Written is null)
                {
                    Assert.True(Held is null, $"deleted the key (a 0 ms TTL), but the server holds {Held}");
                    return null;
                }

                if (Held != Written)
                {
                    Assert.True(Held is null && WrittenTtlMs <= ShortTtlMs, $"wrote {Written} with PX {WrittenTtlMs}, but the server holds {Held ?? "nothing"}");
                }

                return Written;
            }
        }

        public const long ShortTtlMs = 5;
    }
}
