using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>
/// Sends asynchronous single-rule decisions that arrive while earlier ones are still at the server
/// together, as one batch.lua script. Nothing waits to fill a batch: while a lane has room at the
/// server a decision goes alone; only decisions that find it busy queue (<c>docs/design/batching.md</c>).
/// </summary>
internal sealed class DecisionBatcher
{
    private readonly int _maxBatch;
    private readonly TimeSpan _timeout;
    private readonly RedisConnection _connection;
    private readonly ScriptRunner _runner;
    private readonly CircuitBreaker _breaker;
    private readonly CallBuilder _calls;
    private readonly EngineProbe _engine;

    // The lane of a single server, or of the whole keyspace when no slots are computed.
    private readonly DecisionLane _serverLane = new();

    // On a cluster, one lane per hash slot: every script touches one slot.
    private readonly ConcurrentDictionary<int, DecisionLane> _slotLanes = new();

    private long _batchedDecisions;
    private long _batches;

    public DecisionBatcher(int maxBatch, TimeSpan timeout, RedisConnection connection, ScriptRunner runner, CircuitBreaker breaker, CallBuilder calls, EngineProbe engine)
    {
        _maxBatch = maxBatch;
        _timeout = timeout;
        _connection = connection;
        _runner = runner;
        _breaker = breaker;
        _calls = calls;
        _engine = engine;
    }

    /// <summary>Whether decisions may share a script at all (<see cref="RedisCellOptions.MaxDecisionsPerBatch"/> above 1).</summary>
    public bool Enabled => _maxBatch > 1;

    /// <summary>How many decisions went to the server inside a batch script.</summary>
    public long BatchedDecisions => Interlocked.Read(ref _batchedDecisions);

    /// <summary>How many batch scripts were sent.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    public DecisionLane LaneFor(string key)
    {
        if (!_connection.ComputesSlots(key)) return _serverLane;
        return _slotLanes.GetOrAdd(_connection.SlotOf(key), static _ => new DecisionLane());
    }

    /// <summary>Queues a decision on a busy lane; its task completes when a batch has answered it.</summary>
    public PendingDecision Enqueue(DecisionLane lane, in RateLimitRule rule, long deadline, CancellationToken cancellationToken)
    {
        var pending = new PendingDecision(rule, deadline, cancellationToken);
        lane.Enqueue(pending);
        Pump(lane);
        return pending;
    }

    /// <summary>A decision that went alone on <paramref name="lane"/> is done: its slot can carry what queued meanwhile.</summary>
    public void Release(DecisionLane lane)
    {
        lane.ReleaseSlot();
        Pump(lane);
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

        Release(lane);
    }

    private async Task SendBatchAsync(PendingDecision[] batch)
    {
        long deadline = DropExpired(ref batch);
        if (batch.Length == 0) return;
        Interlocked.Add(ref _batchedDecisions, batch.Length);
        Interlocked.Increment(ref _batches);

        var keys = new RedisKey[batch.Length];
        var values = new RedisValue[1 + (5 * batch.Length)];
        values[0] = _calls.BatchClock(out bool byModule);
        for (int i = 0; i < batch.Length; i++)
        {
            keys[i] = batch[i].Rule.Key;
            ScriptCall.WriteRule(values, 1 + (5 * i), batch[i].Rule.Policy, batch[i].Rule.Quantity, "rule");
        }

        RedisResult reply;
        try
        {
            reply = await _runner.EvaluateAsync(RedisScript.Batch, keys, values, deadline, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreErrors.IsUnavailable(ex))
        {
            _breaker.RecordFailure(probe: false);
            foreach (PendingDecision pending in batch) pending.Fail(ex, unavailable: true);
            return;
        }
        catch (RedisServerException ex)
        {
            // The whole script failed (the server refused TIME, or a bad argument): each caller
            // gets the error about its own key.
            _breaker.RecordSuccess(probe: false);
            foreach (PendingDecision pending in batch) pending.Fail(StoreErrors.Translate(ex.Message, pending.Rule.Key, ex), unavailable: false);
            return;
        }

        _breaker.RecordSuccess(probe: false);
        Answer(batch, (RedisResult[])reply!, byModule);
    }

    // Decisions whose caller gave up, or whose time ran out while earlier batches were at the
    // server, are answered here and not sent; the rest wait until the earliest deadline among them.
    private long DropExpired(ref PendingDecision[] batch)
    {
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

        if (live < batch.Length) Array.Resize(ref batch, live);
        return deadline;
    }

    private void Answer(PendingDecision[] batch, RedisResult[] entries, bool byModule)
    {
        int entryLength = ReplyReader.EntryLength(byModule);
        if (entries.Length != entryLength * batch.Length)
        {
            throw new RedisCellException($"The batch script answered {entries.Length} values for {batch.Length} decisions; it answers {entryLength} per decision.");
        }

        for (int i = 0; i < batch.Length; i++)
        {
            PendingDecision pending = batch[i];
            if (ReplyReader.TryReadEntry(entries, i, byModule, pending.Rule, out long state, out long retryAfter, out long resetAfter, out bool moduleGone, out RedisCellException? error))
            {
                pending.Answer(state, retryAfter, resetAfter);
            }
            else
            {
                pending.Fail(error, unavailable: false);
            }

            if (moduleGone) _engine.ModuleGone();
        }
    }
}
