using System;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.Gcra;
using RedisCell.Aspects.Redis;
using RedisCell.Aspects.Telemetry;

namespace RedisCell.Aspects.DenyCache;

/// <summary>
/// What Redis last said about keys that are at their limit, kept so that a call Redis would refuse
/// is refused in this process, without a round trip. Exact: a remembered state is a lower bound on
/// the key's state, shortened by the clocks' slack, so it never refuses a call Redis would allow.
/// Why, and what it applies to: <c>docs/design/deny-cache.md</c>.
/// </summary>
internal sealed class LocalDenyCache
{
    // Redis may drop a key up to this long before its TAT (millisecond TTLs).
    private const long ExpirySlackNanoseconds = 1_000_000;

    // The server reads TIME (or the client sends now) in whole microseconds.
    private const long TruncationSlackNanoseconds = 1_000;

    // 1/2048 of a wait, about 490 ppm: the fastest NTP slews a clock.
    private const int RateSlackShift = 11;

    // Beyond 2^61 ns of tolerance the arithmetic below could overflow; such policies go to Redis.
    private const long LargestTolerance = 1L << 61;

    private readonly Known?[] _slots;
    private readonly int _mask;
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private long _localRefusals;

    private readonly bool _rememberWindows;
    private readonly long _maxAgeNanoseconds;

    /// <summary>The cache <paramref name="options"/> ask for, or <see langword="null"/> when it is off.</summary>
    public static LocalDenyCache? Create(RedisCellOptions options)
    {
        if (options.DenyCache.Capacity == 0) return null;

        // Remembered limits age with the clock the decisions were made on.
        bool clientClock = options.Clock == ClockSource.Client;
        return new LocalDenyCache(options.DenyCache.Capacity, options.DenyCache.MaxAge, clientClock ? options.TimeProvider : TimeProvider.System, rememberWindows: !clientClock);
    }

    /// <param name="capacity">How many keys to remember (rounded up to a power of two).</param>
    /// <param name="maxAge">How long a remembered refusal is repeated before Redis is asked again.</param>
    /// <param name="time">The clock the store's decisions follow: the system's when the server reads its own clock, the client's when the client sends it.</param>
    /// <param name="rememberWindows">Whether fixed windows may be remembered: their script always reads the server's clock, so only when <paramref name="time"/> runs with it.</param>
    public LocalDenyCache(int capacity, TimeSpan maxAge, TimeProvider time, bool rememberWindows)
    {
        _maxAgeNanoseconds = maxAge.Ticks * 100;
        _rememberWindows = rememberWindows;
        int size = 1;
        while (size < capacity) size <<= 1;
        _slots = new Known?[size];
        _mask = size - 1;
        _time = time;
        _frequency = time.TimestampFrequency;
    }

    /// <summary>How many calls were refused here without asking Redis.</summary>
    public long LocalRefusals => Volatile.Read(ref _localRefusals);

    /// <summary>The instant a request is sent, in the clock's timestamp units.</summary>
    public long Timestamp() => _time.GetTimestamp();

    /// <summary>Refuses <paramref name="rule"/> when what Redis said about its key already refuses it.</summary>
    public bool TryRefuse(in RateLimitRule rule, long now, out RateLimitResult result) => TryRefuse(rule, now, out result, out _);

    /// <summary>
    /// Refuses <paramref name="rule"/> when what Redis said about its key already refuses it. When
    /// it does not, but the key was at its limit when Redis last answered, <paramref name="nearLimit"/>
    /// is the state to coordinate on (see <see cref="Known.JoinOrLead"/>).
    /// </summary>
    public bool TryRefuse(in RateLimitRule rule, long now, out RateLimitResult result, out Known? nearLimit)
    {
        result = default;
        nearLimit = null;
        long quantity = rule.Quantity;
        if (quantity == 0 || quantity > rule.Policy.Limit) return false;
        Known? known = Volatile.Read(ref _slots[Slot(rule.Key)]);
        if (known is null || !known.Describes(rule)) return false;

        long elapsed = Math.Max(0, ToNanoseconds(now - known.SentAt));
        if (elapsed >= known.RemainsFor)
        {
            // The remembered limit has run out: the key is no longer near it.
            Forget(rule.Key);
            return false;
        }

        if (elapsed >= _maxAgeNanoseconds)
        {
            // Too old to trust a reset made elsewhere has not happened: Redis is asked again, by one
            // caller at a time, and its answer is remembered afresh.
            nearLimit = known;
            return false;
        }

        bool refused = rule.Policy is GcraPolicy gcra
            ? RefuseGcra(rule, gcra, known, elapsed, out result)
            : RefuseWindow(rule, known, elapsed, out result);
        if (refused)
        {
            Interlocked.Increment(ref _localRefusals);
            result = result.AnsweredBy(DecisionSource.DenyCache);
        }
        else
        {
            nearLimit = known;
        }

        return refused;
    }

    /// <summary>Remembers a reply from Redis when it leaves no room for the same call.</summary>
    public void Record(in RateLimitRule rule, long sentAt, in RateLimitResult result)
    {
        long quantity = rule.Quantity;
        if (quantity == 0 || quantity > rule.Policy.Limit) return;
        if (!result.Limited && result.Remaining >= quantity)
        {
            // Room again: calls for this key stop coordinating and go straight to Redis.
            Forget(rule.Key);
            return;
        }

        long remainsFor = result.ResetAfterNanoseconds;
        if (rule.Policy is GcraPolicy gcra)
        {
            if (gcra.DelayVariationToleranceNanoseconds > LargestTolerance || remainsFor <= ExpirySlackNanoseconds) return;
        }
        else if (remainsFor <= 0 || !_rememberWindows)
        {
            return;
        }

        Volatile.Write(ref _slots[Slot(rule.Key)], new Known(rule.Key, rule.Policy, sentAt, remainsFor, result.Remaining));
    }

    /// <summary>Forgets <paramref name="key"/> (after a reset through this limiter).</summary>
    public void Forget(string key)
    {
        ref Known? slot = ref _slots[Slot(key)];
        Known? known = Volatile.Read(ref slot);
        if (known is not null && string.Equals(known.Key, key, StringComparison.Ordinal)) Interlocked.CompareExchange(ref slot, null, known);
    }

    // GCRA on the remembered TAT: refused when even the earliest the TAT can be refuses it.
    private static bool RefuseGcra(in RateLimitRule rule, GcraPolicy policy, Known known, long elapsed, out RateLimitResult result)
    {
        result = default;
        long tat = known.SafeRemainsFor - elapsed; // TAT relative to now, never later than the server's
        if (tat <= ExpirySlackNanoseconds) return false;
        long interval = policy.EmissionIntervalNanoseconds;
        long tolerance = policy.DelayVariationToleranceNanoseconds;
        long increment = interval * rule.Quantity;
        if (tat + increment <= tolerance) return false;

        // Refused. Reported as Redis would from the TAT it replied, less the time since.
        long ttl = known.RemainsFor - elapsed;
        long retry = ttl + increment - tolerance;
        long remaining = 0;
        long next = tolerance - ttl;
        if (next > 0) remaining = (long)((double)(next / 1000) / (interval / 1000));
        result = new RateLimitResult(rule, true, policy.Limit, remaining, retry, ttl);
        return true;
    }

    // A fixed window: refused while the window lasts when the quantity exceeds what remains.
    private static bool RefuseWindow(in RateLimitRule rule, Known known, long elapsed, out RateLimitResult result)
    {
        result = default;
        if (rule.Quantity <= known.Remaining || known.SafeRemainsFor - elapsed <= 0) return false;
        long left = known.RemainsFor - elapsed;
        result = new RateLimitResult(rule, true, rule.Policy.Limit, known.Remaining, left, left);
        return true;
    }

    private int Slot(string key) => key.GetHashCode() & _mask;

    private long ToNanoseconds(long ticks) => _frequency switch
    {
        1_000_000_000L => ticks,
        10_000_000L => ticks * 100,
        _ => (long)((Int128)ticks * 1_000_000_000L / _frequency),
    };

    /// <summary>What one reply said about one key; immutable but for who is asking Redis about it, replaced whole.</summary>
    internal sealed class Known
    {
        public Known(string key, RateLimitPolicy policy, long sentAt, long remainsFor, long remaining)
        {
            Key = key;
            Policy = policy;
            SentAt = sentAt;
            RemainsFor = remainsFor;
            SafeRemainsFor = remainsFor - TruncationSlackNanoseconds - (remainsFor >> RateSlackShift);
            Remaining = remaining;
        }

        public string Key { get; }

        public RateLimitPolicy Policy { get; }

        /// <summary>When the request was sent (timestamp units).</summary>
        public long SentAt { get; }

        /// <summary>From the decision: the TAT (GCRA) or the end of the window, in nanoseconds.</summary>
        public long RemainsFor { get; }

        /// <summary><see cref="RemainsFor"/> shortened by the clocks' slack: the earliest it can be.</summary>
        public long SafeRemainsFor { get; }

        /// <summary>What the window had left after the decision (fixed windows).</summary>
        public long Remaining { get; }

        // The call asking Redis about this key now, when the state allowed it.
        private Task? _asking;

        /// <summary>
        /// For a key that was at its limit: returns the call already asking Redis about it, to wait
        /// for and decide again from its answer, or <see langword="null"/> when this call (whose
        /// completion is <paramref name="asking"/>) is the one to ask. When a key frees up, the calls
        /// that arrive together then cost Redis one request instead of one each.
        /// </summary>
        public Task? JoinOrLead(Task asking) => Interlocked.CompareExchange(ref _asking, asking, null);

        /// <summary>Ends what <see cref="JoinOrLead"/> started for the call that asked.</summary>
        public void EndLead(Task asking) => Interlocked.CompareExchange(ref _asking, null, asking);

        public bool Describes(in RateLimitRule rule) =>
            string.Equals(Key, rule.Key, StringComparison.Ordinal) && RateLimitPolicy.SameLimit(Policy, rule.Policy);
    }
}
