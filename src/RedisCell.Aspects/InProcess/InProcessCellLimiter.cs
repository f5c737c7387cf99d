using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.FixedWindow;
using RedisCell.Aspects.Gcra;

namespace RedisCell.Aspects.InProcess;

/// <summary>
/// The in-process twin of <see cref="Redis.RedisCellLimiter"/>: the same algorithms, the same answers and
/// the same stored state for the same clock, kept in this process's memory.
/// </summary>
/// <remarks>
/// <para>
/// The clock is the <see cref="TimeProvider"/> it is created with, so tests can drive it with a fake.
/// Reading the precise system clock is most of the cost of a call; where a resolution of the
/// kernel's tick is enough, <see cref="CoarseTimeProvider"/> makes calls several times cheaper.
/// Keys expire by Redis's millisecond rule: a key written at <c>now</c> with a TTL of <c>ttl</c> ms
/// lives while <c>floor(now / 1 ms) &lt;= floor(written / 1 ms) + ttl</c>.
/// </para>
/// <para>
/// Expired keys are swept as calls arrive, so memory stays proportional to the keys in use.
/// Limits are per process: use <see cref="Redis.RedisCellLimiter"/> to share them.
/// </para>
/// </remarks>
public sealed class InProcessCellLimiter : CellLimiter
{
    private const int SweepEvery = 4096;

    // Slots of the cache of entries found by key identity (a power of two).
    private const int RecentSlots = 256;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly CoarseTimeProvider? _coarseTime;

    // Entries last found for a key string instance. A constant key (a literal, the same instance on
    // every call) is found here by reference without hashing it; a key built per call never matches
    // and goes to the dictionary. Reads and writes of a slot are single reference moves, so a racy
    // slot only costs a dictionary lookup.
    private readonly Entry?[] _recent = new Entry?[RecentSlots];

    // Calls since the last sweep, counted without interlocking: a lost increment only delays a sweep.
    private int _callsSinceSweep;
    private int _sweepThreshold = SweepEvery;
    private int _sweeping;

    /// <summary>Creates an in-process limiter on <paramref name="timeProvider"/> (the system clock when null).</summary>
    public InProcessCellLimiter(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _coarseTime = _time as CoarseTimeProvider;
    }

    /// <summary>The clock decisions are made on.</summary>
    public TimeProvider TimeProvider => _time;

    internal override string StoreName => "in_process";

    /// <summary>How many keys hold state right now, counting expired keys not yet swept.</summary>
    public int Count => _entries.Count;

    /// <inheritdoc />
    internal override RateLimitResult CheckCore(in RateLimitRule rule)
    {
        long nowNs = NowNanoseconds();
        CountCall(nowNs);
        string key = rule.Key;
        Entry entry = Find(key);
        while (true)
        {
            entry.Enter();
            try
            {
                if (!entry.Removed)
                {
                    RateLimitResult result = Decide(entry, rule, nowNs, out Write write);
                    if (!result.Limited) write.ApplyTo(entry);

                    // An entry left empty (a TTL under a millisecond deletes the state, as in Redis)
                    // stays in the dictionary until the sweep: a fast key would otherwise be removed
                    // and added again on every call, two allocations each time.
                    return result;
                }
            }
            finally
            {
                entry.Exit();
            }

            entry = FindInDictionary(key);
        }
    }

    internal override ValueTask<RateLimitResult> CheckCoreAsync(RateLimitRule rule, CancellationToken cancellationToken) =>
        new(CheckCore(rule));

    /// <inheritdoc />
    internal override RateLimitResult CheckManyCore(ReadOnlySpan<RateLimitRule> rules)
    {
        long nowNs = NowNanoseconds();
        CountCall(nowNs);

        // Lock each distinct key once, in ordinal order, so concurrent multi-rule calls cannot deadlock.
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (RateLimitRule rule in rules) keys.Add(rule.Key);
        string[] orderedKeys = [.. keys];
        var entries = new Entry[orderedKeys.Length];
        var results = new RateLimitResult[rules.Length];
        var writes = new Write[rules.Length];
        while (true)
        {
            int locked = 0;
            try
            {
                bool stale = false;
                while (locked < orderedKeys.Length && !stale)
                {
                    Entry entry = FindInDictionary(orderedKeys[locked]);
                    entry.Enter();
                    entries[locked++] = entry;
                    stale = entry.Removed;
                }

                if (stale) continue;

                // As multi.lua: decide every rule from the state before the call, then write them all or none.
                bool anyLimited = false;
                for (int i = 0; i < rules.Length; i++)
                {
                    results[i] = Decide(EntryFor(rules[i].Key, orderedKeys, entries), rules[i], nowNs, out writes[i]);
                    anyLimited |= results[i].Limited;
                }

                if (!anyLimited)
                {
                    for (int i = 0; i < rules.Length; i++) writes[i].ApplyTo(EntryFor(rules[i].Key, orderedKeys, entries));
                }

                return RateLimitResult.MostBinding(results);
            }
            finally
            {
                for (int k = 0; k < locked; k++) entries[k].Exit();
            }
        }
    }

    internal override ValueTask<RateLimitResult> CheckManyCoreAsync(ReadOnlyMemory<RateLimitRule> rules, CancellationToken cancellationToken) =>
        new(CheckManyCore(rules.Span));

    internal override void ResetCore(string key)
    {
        if (_entries.TryGetValue(key, out Entry? entry))
        {
            entry.Enter();
            try
            {
                entry.HasValue = false;
                DropIfEmpty(key, entry, 0);
            }
            finally
            {
                entry.Exit();
            }
        }
    }

    internal override ValueTask ResetCoreAsync(string key, CancellationToken cancellationToken)
    {
        ResetCore(key);
        return default;
    }

    /// <summary>Decides like <see cref="CellLimiter.Check(in RateLimitRule)"/> without recording telemetry: for a limiter that falls back on this one and records the decision itself.</summary>
    internal RateLimitResult CheckUnrecorded(ReadOnlySpan<RateLimitRule> rules) => rules.Length == 1 ? CheckCore(rules[0]) : CheckManyCore(rules);

    /// <summary>
    /// Reads a key as Redis would show it: the stored value (a GCRA TAT in decimal nanoseconds or a
    /// window count) and its <c>PTTL</c> in milliseconds, or (<see langword="null"/>, -2) when missing.
    /// </summary>
    public (string? Value, long PttlMilliseconds) Inspect(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        long nowMs = NowNanoseconds() / RateLimitResult.NanosecondsPerMillisecond;
        if (_entries.TryGetValue(key, out Entry? entry))
        {
            entry.Enter();
            try
            {
                if (entry.IsLive(nowMs)) return (entry.Value.ToString(), entry.DeadlineMs - nowMs);
            }
            finally
            {
                entry.Exit();
            }
        }

        return (null, -2);
    }

    private long NowNanoseconds() => _coarseTime is not null
        ? _coarseTime.UnixNanoseconds()
        : (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    // The entry of a key: by reference when this string instance found it before, else by value.
    private Entry Find(string key)
    {
        ref Entry? slot = ref _recent[RecentSlot(key)];
        Entry? recent = Volatile.Read(ref slot);
        if (recent is not null && ReferenceEquals(recent.Key, key) && !recent.Removed) return recent;
        Entry entry = FindInDictionary(key);

        // Remember it only for the instance the entry was created with: a constant key, or the first
        // call of a key built per call (later instances of that key would only evict others).
        if (ReferenceEquals(entry.Key, key)) Volatile.Write(ref slot, entry);
        return entry;
    }

    private Entry FindInDictionary(string key) => _entries.GetOrAdd(key, static k => new Entry(k));

    // Cheap to compute, without hashing the whole string: a constant key's slot is stable.
    private static int RecentSlot(string key) =>
        ((key.Length * 31) + key[key.Length - 1] + (key[key.Length >> 1] * 7)) & (RecentSlots - 1);

    private static Entry EntryFor(string key, string[] orderedKeys, Entry[] entries) =>
        entries[Array.BinarySearch(orderedKeys, key, StringComparer.Ordinal)];

    // Decides one rule against an entry's current state without changing it.
    private static RateLimitResult Decide(Entry entry, in RateLimitRule rule, long nowNs, out Write write)
    {
        long nowMs = nowNs / RateLimitResult.NanosecondsPerMillisecond;
        bool live = entry.IsLive(nowMs);
        switch (rule.Policy)
        {
            case GcraPolicy gcra:
            {
                GcraArithmetic.Decision decision = GcraArithmetic.Decide(gcra, live ? entry.Value : null, nowNs, rule.Quantity);
                if (!decision.Limited && decision.NewTat > long.MaxValue)
                {
                    // As cl_throttle.lua: a TAT past 2^63 - 1 ns is one neither it nor the module reads back.
                    throw new RedisCellException(
                        $"Key '{rule.Key}' would hold a GCRA timestamp beyond {long.MaxValue} ns (the year 2262); the policy's tolerance reaches too far. It was left untouched.", rule.Key);
                }

                write = decision.TtlMs > 0
                    ? Write.Store(decision.NewTat, nowMs + decision.TtlMs)
                    : Write.Delete; // Redis refuses a 0 ms TTL, so the script deletes the key; so do we.
                return GcraArithmetic.ToResult(rule, decision);
            }

            case FixedWindowPolicy window:
            {
                if (live && entry.Value > FixedWindowPolicy.MaxLimit)
                {
                    throw new RedisCellException(
                        $"Key '{rule.Key}' holds \"{entry.Value}\", not a window counter; it was left untouched. Two policies share one key.", rule.Key);
                }

                long? used = live ? (long)entry.Value : null;
                FixedWindowArithmetic.Decision decision = FixedWindowArithmetic.Decide(window, used, live ? entry.DeadlineMs - nowMs : -2, rule.Quantity);
                write = rule.Quantity == 0 ? Write.None
                    : live ? Write.Increment(rule.Quantity)
                    : Write.Store(rule.Quantity, nowMs + window.WindowMilliseconds);
                return FixedWindowArithmetic.ToResult(rule, decision);
            }

            default:
                throw new ArgumentException($"Policy type {rule.Policy.GetType().Name} is not supported.", nameof(rule));
        }
    }

    private void DropIfEmpty(string key, Entry entry, long nowNs)
    {
        if (entry.Removed || entry.IsLive(nowNs / RateLimitResult.NanosecondsPerMillisecond)) return;
        entry.Removed = true;
        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
    }

    private void CountCall(long nowNs)
    {
        if (++_callsSinceSweep >= _sweepThreshold) Sweep(nowNs);
    }

    // Drops expired keys. Runs after as many calls as there were keys at the last sweep (at least
    // SweepEvery), so its cost per call stays constant; one thread sweeps at a time.
    private void Sweep(long nowNs)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0) return;
        try
        {
            _callsSinceSweep = 0;
            int kept = 0;
            foreach (KeyValuePair<string, Entry> pair in _entries)
            {
                Entry entry = pair.Value;
                if (!entry.TryEnter())
                {
                    kept++;
                    continue;
                }

                try
                {
                    DropIfEmpty(pair.Key, entry, nowNs);
                    if (!entry.Removed) kept++;
                }
                finally
                {
                    entry.Exit();
                }
            }

            _sweepThreshold = Math.Max(SweepEvery, kept);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    // A write decided by Decide and applied only when the whole call is allowed.
    private readonly struct Write
    {
        private readonly byte _op;
        private readonly Int128 _value;
        private readonly long _deadlineMs;

        private Write(byte op, Int128 value, long deadlineMs)
        {
            _op = op;
            _value = value;
            _deadlineMs = deadlineMs;
        }

        public static Write None => default;

        public static Write Delete => new(1, 0, 0);

        public static Write Store(Int128 value, long deadlineMs) => new(2, value, deadlineMs);

        public static Write Increment(long by) => new(3, by, 0);

        public void ApplyTo(Entry entry)
        {
            switch (_op)
            {
                case 1:
                    entry.HasValue = false;
                    break;
                case 2:
                    entry.HasValue = true;
                    entry.Value = _value;
                    entry.DeadlineMs = _deadlineMs;
                    break;
                case 3:
                    entry.Value += _value;
                    break;
            }
        }
    }

    // One key's state, guarded by the entry's own lock. A removed entry is never used again.
    private sealed class Entry
    {
        public readonly string Key;
        public bool HasValue;
        public bool Removed;
        public Int128 Value;
        public long DeadlineMs;

        // A spin lock: held for a few arithmetic steps only, never across I/O or user code.
        private int _locked;

        public Entry(string key) => Key = key;

        public bool IsLive(long nowMs) => HasValue && nowMs <= DeadlineMs;

        public void Enter()
        {
            if (Interlocked.CompareExchange(ref _locked, 1, 0) != 0) EnterContended();
        }

        public bool TryEnter() => Interlocked.CompareExchange(ref _locked, 1, 0) == 0;

        public void Exit() => Volatile.Write(ref _locked, 0);

        private void EnterContended()
        {
            var spinner = default(SpinWait);
            do
            {
                spinner.SpinOnce();
            }
            while (Volatile.Read(ref _locked) != 0 || Interlocked.CompareExchange(ref _locked, 1, 0) != 0);
        }
    }
}
