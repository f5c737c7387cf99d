using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace RedisCell.Aspects;

// Asynchronous single-rule decisions that arrive while earlier ones are still with the server are
// queued and sent together as one batch.lua script. A script's fixed cost (EVALSHA, reading TIME,
// the command's own round of the event loop) is most of what the server spends on one decision,
// and StackExchange.Redis's cost per command is most of what the client allocates; a batch pays
// both once. Nothing waits to fill a batch: while a lane has fewer than MaxBatchesInFlight scripts
// at the server, a decision is sent at once, on its own (a one-entry batch.lua, as a synchronous
// decision is); only decisions that find the lane busy queue, and go as one batch when a script
// of the lane returns.
public sealed partial class RedisCellLimiter
{
    // Two scripts at the server per lane: while it runs one, the next is on the wire, and the
    // client completes the first one's callers meanwhile. With 50 callers the load harness measured
    // one, two and four within its round-to-round noise.
    private const int MaxBatchesInFlight = 2;

    private readonly int _maxBatch;
    private readonly long _timeoutTicks;

    // The lane of a single server, or of the whole keyspace when no slots are computed.
    private readonly DecisionLane _serverLane = new();

    // On a cluster, one lane per hash slot: every script touches one slot.
    private readonly ConcurrentDictionary<int, DecisionLane> _slotLanes = new();

    private long _batchedDecisions;
    private long _batches;

    private bool Batching => _maxBatch > 1;

    /// <summary>How many decisions went to the server inside a batch script (for tests and the load harness).</summary>
    internal long BatchedDecisions => Interlocked.Read(ref _batchedDecisions);

    /// <summary>How many batch scripts were sent (for the load harness).</summary>
    internal long Batches => Interlocked.Read(ref _batches);

    private ValueTask<RateLimitResult> DecideBatchedAsync(RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        DecisionLane lane = LaneFor(rule.Key);

        // Nothing queued and room at the server: this decision goes alone, as without batching.
        if (lane.IsEmpty && lane.TryAcquireSlot()) return DecideInLaneAsync(lane, rule, sentAt, deadline, cancellationToken);

        var pending = new PendingDecision(rule, deadline, cancellationToken);
        lane.Enqueue(pending);
        Pump(lane);
        return AwaitBatchedAsync(pending, sentAt, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> DecideInLaneAsync(DecisionLane lane, RateLimitRule rule, long sentAt, long deadline, CancellationToken cancellationToken)
    {
        try
        {
            return await DecideAloneAsync(rule, sentAt, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lane.ReleaseSlot();
            Pump(lane);
        }
    }

    // Sends what is queued while the lane has room at the server. Lock-free: whoever enqueues, and
    // whoever frees a slot, pumps afterwards, so a queued decision always finds a sender.
    private void Pump(DecisionLane lane)
    {
        while (!lane.IsEmpty && lane.TryAcquireSlot())
        {
            PendingDecision[]? batch = lane.Take(_maxBatch);
            if (batch is not null)
            {
                _ = SendBatchesAsync(lane, batch);
                return;
            }

            lane.ReleaseSlot();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RateLimitResult> AwaitBatchedAsync(PendingDecision pending, long sentAt, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled) await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        else await pending.Task.ConfigureAwait(false);
        RateLimitRule rule = pending.Rule;
        if (pending.Failure is not null)
        {
            if (pending.Throw) throw pending.Failure;
            return FallBack(rule, pending.Failure);
        }

        RateLimitResult result = ToResult(rule, pending.State, pending.RetryAfter, pending.ResetAfter);
        _denials?.Record(rule, sentAt, result);
        return result;
    }

    private DecisionLane LaneFor(string key)
    {
        // StackExchange.Redis computes no slot (-1) off a cluster: a single server pays one check.
        if (_redis.GetHashSlot(key) < 0) return _serverLane;
        int slot = _redis.GetHashSlot(Options.KeyPrefix + key);
        return _slotLanes.GetOrAdd(slot, static _ => new DecisionLane());
    }

    // Sends one batch, then whatever queued meanwhile, holding one of the lane's slots. Never
    // throws: every decision taken from the queue is completed, whatever happens.
    private async Task SendBatchesAsync(DecisionLane lane, PendingDecision[]? batch)
    {
        while (batch is not null)
        {
            try
            {
                await SendBatchAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                foreach (PendingDecision pending in batch) pending.Fail(ex, unavailable: false);
            }

            batch = lane.Take(_maxBatch);
        }

        lane.ReleaseSlot();
        Pump(lane);
    }

    private async Task SendBatchAsync(PendingDecision[] batch)
    {
        // Decisions whose caller gave up, or whose time ran out while earlier batches were at the
        // server, are answered here and not sent; the rest wait until the earliest deadline among them.
        long now = Stopwatch.GetTimestamp();
        long deadline = long.MaxValue;
        int live = 0;
        foreach (PendingDecision pending in batch)
        {
            if (pending.CancellationToken.IsCancellationRequested)
            {
                pending.Fail(new OperationCanceledException(pending.CancellationToken), unavailable: false);
            }
            else if (pending.Deadline <= now)
            {
                pending.Fail(new TimeoutException($"The decision waited {_timeout.TotalMilliseconds:0} ms for earlier decisions to the same server."), unavailable: true);
            }
            else
            {
                batch[live++] = pending;
                deadline = Math.Min(deadline, pending.Deadline);
            }
        }

        if (live == 0) return;
        if (live < batch.Length) Array.Resize(ref batch, live);
        Interlocked.Add(ref _batchedDecisions, live);
        Interlocked.Increment(ref _batches);

        var keys = new RedisKey[live];
        var values = new RedisValue[1 + (5 * live)];
        bool byModule = _module == ModulePath.Guarded;
        values[0] = ClockArgument(byModule);
        for (int i = 0; i < live; i++)
        {
            keys[i] = batch[i].Rule.Key;
            ScriptCall.WriteRule(values, 1 + (5 * i), batch[i].Rule.Policy, batch[i].Rule.Quantity, "rule");
        }

        RedisResult reply;
        try
        {
            reply = await EvaluateAsync(LuaScript.Batch, keys, values, deadline, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Failed(probe: false);
            foreach (PendingDecision pending in batch) pending.Fail(ex, unavailable: true);
            return;
        }
        catch (RedisServerException ex)
        {
            // The whole script failed (the server refused TIME, or a bad argument): each caller
            // gets the error about its own key.
            Answered(probe: false);
            foreach (PendingDecision pending in batch) pending.Fail(Translate(ex, pending.Rule.Key), unavailable: false);
            return;
        }

        Answered(probe: false);
        var entries = (RedisResult[])reply!;
        int entryLength = EntryLength(byModule);
        if (entries.Length != entryLength * live)
        {
            throw new RedisCellException($"The batch script answered {entries.Length} values for {live} decisions; it answers {entryLength} per decision.");
        }

        for (int i = 0; i < live; i++)
        {
            PendingDecision pending = batch[i];
            if (TryReadEntry(entries, i, byModule, pending.Rule, out long state, out long retryAfter, out long resetAfter, out RedisCellException? error))
            {
                pending.Answer(state, retryAfter, resetAfter);
            }
            else
            {
                pending.Fail(error, unavailable: false);
            }
        }
    }

    // When a decision made now must be answered: one timeout from now, on the monotonic clock.
    private long Deadline() => Stopwatch.GetTimestamp() + _timeoutTicks;

    // What is left until a Stopwatch deadline; at least a tick, so a late batch times out at once.
    private static TimeSpan Remaining(long deadline)
    {
        TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    // The queue of one server or slot, and how many of its scripts are at the server.
    private sealed class DecisionLane
    {
        // Created when a decision first queues: on a cluster most slots' lanes only ever see lone
        // decisions, and an empty ConcurrentQueue is a few hundred bytes.
        private ConcurrentQueue<PendingDecision>? _queue;
        private int _inFlight;

        public bool TryAcquireSlot()
        {
            int inFlight = Volatile.Read(ref _inFlight);
            while (inFlight < MaxBatchesInFlight)
            {
                int seen = Interlocked.CompareExchange(ref _inFlight, inFlight + 1, inFlight);
                if (seen == inFlight) return true;
                inFlight = seen;
            }

            return false;
        }

        public void ReleaseSlot() => Interlocked.Decrement(ref _inFlight);

        public bool IsEmpty => Volatile.Read(ref _queue) is not { IsEmpty: false };

        public void Enqueue(PendingDecision pending)
        {
            ConcurrentQueue<PendingDecision> queue = Volatile.Read(ref _queue)
                ?? Interlocked.CompareExchange(ref _queue, new ConcurrentQueue<PendingDecision>(), null)
                ?? _queue;
            queue.Enqueue(pending);
        }

        // Up to max decisions from the head of the queue, or null when it is empty.
        public PendingDecision[]? Take(int max)
        {
            ConcurrentQueue<PendingDecision>? queue = Volatile.Read(ref _queue);
            if (queue is null || !queue.TryDequeue(out PendingDecision? first)) return null;
            var batch = new PendingDecision[Math.Min(max, queue.Count + 1)];
            batch[0] = first;
            int taken = 1;
            while (taken < batch.Length && queue.TryDequeue(out PendingDecision? next)) batch[taken++] = next;
            if (taken < batch.Length) Array.Resize(ref batch, taken);
            return batch;
        }
    }

    // One queued decision. Its task completes when the server has answered it, or with why there
    // is none: Failure is thrown to the caller when
    // Throw, else the store was unavailable and the failure policy decides.
    private sealed class PendingDecision : TaskCompletionSource
    {
        private int _completed;

        public PendingDecision(RateLimitRule rule, long deadline, CancellationToken cancellationToken)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Rule = rule;
            Deadline = deadline;
            CancellationToken = cancellationToken;
        }

        public RateLimitRule Rule { get; }

        /// <summary>Stopwatch timestamp after which the decision is not worth sending.</summary>
        public long Deadline { get; }

        public CancellationToken CancellationToken { get; }

        public long State { get; private set; }

        public long RetryAfter { get; private set; }

        public long ResetAfter { get; private set; }

        public Exception? Failure { get; private set; }

        public bool Throw { get; private set; }

        // The decision's entry in the batch reply (kept as three numbers: smaller than a result).
        public void Answer(long state, long retryAfter, long resetAfter)
        {
            if (!TryClaim()) return;
            State = state;
            RetryAfter = retryAfter;
            ResetAfter = resetAfter;
            SetResult();
        }

        public void Fail(Exception failure, bool unavailable)
        {
            if (!TryClaim()) return;
            Failure = failure;
            Throw = !unavailable;
            SetResult();
        }

        // Whoever claims the decision first completes it; a later attempt (a batch that failed
        // after answering some of its decisions) changes nothing.
        private bool TryClaim() => Interlocked.Exchange(ref _completed, 1) == 0;
    }
}
