using System.Runtime.CompilerServices;
using RedisCell.Aspects.Generated;
using RedisCell.Aspects.Generators.Tests.Infrastructure;

namespace RedisCell.Aspects.Generators.Tests;

/// <summary>
/// The runtime helpers generated code calls for awaitable methods, with an acquire the test
/// completes itself: what the behaviour tests cannot time, such as an answer that comes later.
/// </summary>
[Collection(SharedLimiterCollection.Name)]
public sealed class LimitedCallsTests
{
    [Fact]
    public void An_acquire_already_admitted_calls_the_method_at_once_and_returns_its_task()
    {
        Task<int> methodTask = Task.FromResult(7);
        int calls = 0;

        Task<int> result = LimitedCalls.Call(default, methodTask, s => { calls++; return s; });

        Assert.Equal(1, calls);
        Assert.Same(methodTask, result);
    }

    [Fact]
    public async Task A_call_cancelled_before_the_limiter_answers_never_runs_the_method()
    {
        var answer = new TaskCompletionSource();
        bool ran = false;

        Task result = LimitedCalls.Call(new ValueTask(answer.Task), 0, _ => { ran = true; return Task.CompletedTask; });
        Assert.False(result.IsCompleted);
        answer.SetCanceled();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result);
        Assert.True(result.IsCanceled);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_refusal_that_comes_later_never_runs_the_method()
    {
        var answer = new TaskCompletionSource();
        var refusal = new InvalidOperationException("refused");
        bool ran = false;

        ValueTask<int> result = LimitedCalls.Call(new ValueTask(answer.Task), 0, _ => { ran = true; return new ValueTask<int>(1); });
        answer.SetException(refusal);

        Assert.Same(refusal, await Assert.ThrowsAsync<InvalidOperationException>(() => result.AsTask()));
        Assert.False(ran);
    }

    [Fact]
    public async Task An_answer_that_comes_later_runs_the_method_on_the_callers_context()
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new ThreadPoolContext();
        SynchronizationContext? seen = null;

        Task<int> result;
        SynchronizationContext? before = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            result = LimitedCalls.Call(new ValueTask(answer.Task), 5, s => { seen = SynchronizationContext.Current; return Task.FromResult(s); });
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(before);
        }

        answer.SetResult();

        Assert.Equal(5, await result);
        Assert.Same(context, seen);
        Assert.True(context.Posts > 0);
    }

    [Fact]
    public void The_helpers_frame_is_hidden_from_a_methods_stack_trace()
    {
        InvalidOperationException thrown = Assert.Throws<InvalidOperationException>(() => { _ = LimitedCalls.Call(default, 0, Throws); });

        Assert.Contains(nameof(Throws), thrown.StackTrace);
        Assert.DoesNotContain(typeof(LimitedCalls).FullName + ".", thrown.StackTrace);
    }

    /// <summary>
    /// With both the call's token and the enumerator's able to cancel, the wait honours either:
    /// a cancelled call consumes nothing and never starts the source.
    /// </summary>
    [Fact]
    public async Task An_enumeration_whose_call_was_cancelled_acquires_nothing_and_never_starts_the_source()
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(TestEngines.InProcess, Throttling.NewClock());
        var rule = new RateLimitRule(FixedWindow.FixedWindowPolicy.PerSecond(10), "enumeration");
        bool started = false;
        using var call = new CancellationTokenSource();
        using var enumerator = new CancellationTokenSource();

        IAsyncEnumerable<int> numbers = LimitedCalls.OnEnumeration(null, rule, Source(() => started = true), call.Token);
        await call.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (int _ in numbers.WithCancellation(enumerator.Token)) { }
        });
        Assert.False(started);
        Assert.Null(((InProcessCellLimiter)limiter).Inspect("enumeration").Value);

        // Each enumeration asks once.
        IAsyncEnumerable<int> again = LimitedCalls.OnEnumeration(null, [rule], Source(() => started = true), default);
        await foreach (int _ in again.WithCancellation(enumerator.Token)) { }
        await foreach (int _ in again) { }
        Assert.True(started);
        Assert.Equal("2", ((InProcessCellLimiter)limiter).Inspect("enumeration").Value);
    }

    [Fact]
    public async Task The_limiter_of_an_enumeration_is_looked_up_when_enumeration_starts()
    {
        await using CellLimiter limiter = await TestEngines.ConfigureAsync(TestEngines.InProcess, Throttling.NewClock());
        var rule = new RateLimitRule(FixedWindow.FixedWindowPolicy.PerSecond(10), "named");

        IAsyncEnumerable<int> numbers = LimitedCalls.OnEnumeration("not registered " + Guid.NewGuid(), rule, Source(() => { }), default);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (int _ in numbers) { }
        });
    }

    private static Task<int> Throws(int value) => throw new InvalidOperationException("thrown by the method");

    private static async IAsyncEnumerable<int> Source(Action started, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        started();
        await Task.Yield();
        yield return 1;
    }

    /// <summary>Runs what is posted to it on the thread pool, as itself, and counts the posts.</summary>
    private sealed class ThreadPoolContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                SetSynchronizationContext(this);
                try
                {
                    d(state);
                }
                finally
                {
                    SetSynchronizationContext(null);
                }
            });
        }
    }
}
