using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCell.Aspects.Redis;

/// <summary>The queue of one server or cluster slot, and how many of its scripts are at the server.</summary>
internal sealed class DecisionLane
{
    // Two scripts at the server per lane: while it runs one, the next is on the wire, and the
    // client completes the first one's callers meanwhile (docs/design/batching.md).
    private const int MaxBatchesInFlight = 2;

    // Created when a decision first queues: on a cluster most slots' lanes only ever see lone
    // decisions, and an empty ConcurrentQueue is a few hundred bytes.
    private ConcurrentQueue<PendingDecision>? _queue;
    private int _inFlight;

    public bool IsEmpty => Volatile.Read(ref _queue) is not { IsEmpty: false };

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

    public void Enqueue(PendingDecision pending)
    {
        ConcurrentQueue<PendingDecision> queue = Volatile.Read(ref _queue)
            ?? Interlocked.CompareExchange(ref _queue, new ConcurrentQueue<PendingDecision>(), null)
            ?? _queue;
        queue.Enqueue(pending);
    }

    /// <summary>Up to <paramref name="max"/> decisions from the head of the queue, or null when it is empty.</summary>
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

/// <summary>
/// One queued decision. Its task completes when the server has answered it, or with why there is
/// none: <see cref="Failure"/> is thrown to the caller when <see cref="Throw"/>, else the store was
/// unavailable and the failure policy decides.
/// </summary>
internal sealed class PendingDecision : TaskCompletionSource
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

    /// <summary>The decision's entry in the batch reply (kept as three numbers: smaller than a result).</summary>
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

    // Whoever claims the decision first completes it; a later attempt (a batch that failed after
    // answering some of its decisions) changes nothing.
    private bool TryClaim() => Interlocked.Exchange(ref _completed, 1) == 0;
}
