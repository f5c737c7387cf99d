using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace RedisCell.Aspects.Generated;

/// <summary>
/// For code the RedisCell.Aspects generator writes only: calls a rate-limited awaitable method once
/// the limiter has admitted it. Not a supported API for hand-written code.
/// </summary>
/// <remarks>
/// The state is the receiver and arguments as a value tuple and the call a <c>static</c> lambda,
/// so a call the limiter admits at once allocates nothing. A call it has not answered yet awaits
/// the answer on the caller's context, so the method still runs where it was called; a refused or
/// cancelled acquire means the method never runs.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LimitedCalls
{
    /// <summary>Calls <paramref name="call"/> with <paramref name="state"/> once <paramref name="acquire"/> has succeeded.</summary>
    /// <param name="acquire">The limiter's pending decision, from <see cref="CellLimiter.AcquireAsync(RateLimitRule, CancellationToken)"/>.</param>
    /// <param name="state">The receiver and arguments.</param>
    /// <param name="call">Calls the method with <paramref name="state"/>.</param>
    /// <returns>The method's task, or a task faulted or cancelled as the acquire was.</returns>
    [StackTraceHidden]
    public static Task Call<TState>(ValueTask acquire, TState state, Func<TState, Task> call) =>
        AdmittedAtOnce(acquire) ? call(state) : AcquireThenCall(acquire, state, call);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task})"/>
    [StackTraceHidden]
    public static Task<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, Task<T>> call) =>
        AdmittedAtOnce(acquire) ? call(state) : AcquireThenCall(acquire, state, call);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task})"/>
    [StackTraceHidden]
    public static ValueTask Call<TState>(ValueTask acquire, TState state, Func<TState, ValueTask> call) =>
        AdmittedAtOnce(acquire) ? call(state) : AcquireThenCall(acquire, state, call);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task})"/>
    [StackTraceHidden]
    public static ValueTask<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, ValueTask<T>> call) =>
        AdmittedAtOnce(acquire) ? call(state) : AcquireThenCall(acquire, state, call);

    /// <summary>
    /// As <see cref="Call{TState}(ValueTask, TState, Func{TState, Task})"/>, for a call that can
    /// dispatch to a partial-mode method: <paramref name="rule"/> is marked decided for
    /// <paramref name="memberId"/> while <paramref name="call"/> runs (<see cref="DecidedCalls"/>).
    /// </summary>
    /// <param name="acquire">The limiter's pending decision.</param>
    /// <param name="state">The receiver and arguments.</param>
    /// <param name="call">Calls the method with <paramref name="state"/>.</param>
    /// <param name="rule">The rule <paramref name="acquire"/> decides.</param>
    /// <param name="memberId">The member the call binds to.</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    /// <returns>The method's task, or a task faulted or cancelled as the acquire was.</returns>
    [StackTraceHidden]
    public static Task Call<TState>(ValueTask acquire, TState state, Func<TState, Task> call, in RateLimitRule rule, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, Task>(state, call, new Decision(rule, null, memberId, limiterName)), Marked<TState, Task>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, in RateLimitRule, string, string)"/>
    /// <param name="acquire">The limiter's pending decision.</param>
    /// <param name="state">The receiver and arguments.</param>
    /// <param name="call">Calls the method with <paramref name="state"/>.</param>
    /// <param name="rules">The rules <paramref name="acquire"/> decides together; held until the call returns.</param>
    /// <param name="memberId">The member the call binds to.</param>
    /// <param name="limiterName">The shared limiter's name, or null for the default one.</param>
    [StackTraceHidden]
    public static Task Call<TState>(ValueTask acquire, TState state, Func<TState, Task> call, RateLimitRule[] rules, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, Task>(state, call, new Decision(default, rules, memberId, limiterName)), Marked<TState, Task>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, in RateLimitRule, string, string)"/>
    [StackTraceHidden]
    public static Task<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, Task<T>> call, in RateLimitRule rule, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, Task<T>>(state, call, new Decision(rule, null, memberId, limiterName)), Marked<TState, Task<T>>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, RateLimitRule[], string, string)"/>
    [StackTraceHidden]
    public static Task<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, Task<T>> call, RateLimitRule[] rules, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, Task<T>>(state, call, new Decision(default, rules, memberId, limiterName)), Marked<TState, Task<T>>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, in RateLimitRule, string, string)"/>
    [StackTraceHidden]
    public static ValueTask Call<TState>(ValueTask acquire, TState state, Func<TState, ValueTask> call, in RateLimitRule rule, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, ValueTask>(state, call, new Decision(rule, null, memberId, limiterName)), Marked<TState, ValueTask>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, RateLimitRule[], string, string)"/>
    [StackTraceHidden]
    public static ValueTask Call<TState>(ValueTask acquire, TState state, Func<TState, ValueTask> call, RateLimitRule[] rules, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, ValueTask>(state, call, new Decision(default, rules, memberId, limiterName)), Marked<TState, ValueTask>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, in RateLimitRule, string, string)"/>
    [StackTraceHidden]
    public static ValueTask<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, ValueTask<T>> call, in RateLimitRule rule, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, ValueTask<T>>(state, call, new Decision(rule, null, memberId, limiterName)), Marked<TState, ValueTask<T>>.Invoke);

    /// <inheritdoc cref="Call{TState}(ValueTask, TState, Func{TState, Task}, RateLimitRule[], string, string)"/>
    [StackTraceHidden]
    public static ValueTask<T> Call<TState, T>(ValueTask acquire, TState state, Func<TState, ValueTask<T>> call, RateLimitRule[] rules, string memberId, string? limiterName) =>
        Call(acquire, new Marked<TState, ValueTask<T>>(state, call, new Decision(default, rules, memberId, limiterName)), Marked<TState, ValueTask<T>>.Invoke);

    /// <summary>
    /// The sequence <paramref name="source"/> yields, after asking the limiter each time it is
    /// enumerated: the call that made <paramref name="source"/> has happened, the limit applies to
    /// reading it.
    /// </summary>
    /// <param name="limiterName">The limiter's name for <see cref="SharedLimiter.Get(string)"/>, or null for <see cref="SharedLimiter.Current"/>; looked up when enumeration starts.</param>
    /// <param name="rule">The rule to acquire.</param>
    /// <param name="source">What the method returned.</param>
    /// <param name="cancellationToken">
    /// The call's token, if the method took one. The wait for the limiter honours it and the
    /// enumerator's token, as the method's iterator does.
    /// </param>
    [StackTraceHidden]
    public static IAsyncEnumerable<T> OnEnumeration<T>(string? limiterName, RateLimitRule rule, IAsyncEnumerable<T> source, CancellationToken cancellationToken) =>
        AcquireOnEnumeration(limiterName, rule, null, source, cancellationToken);

    /// <inheritdoc cref="OnEnumeration{T}(string, RateLimitRule, IAsyncEnumerable{T}, CancellationToken)"/>
    /// <param name="limiterName">As for one rule.</param>
    /// <param name="rules">The rules to acquire together.</param>
    /// <param name="source">What the method returned.</param>
    /// <param name="cancellationToken">The call's token, if the method took one.</param>
    [StackTraceHidden]
    public static IAsyncEnumerable<T> OnEnumeration<T>(string? limiterName, RateLimitRule[] rules, IAsyncEnumerable<T> source, CancellationToken cancellationToken) =>
        AcquireOnEnumeration(limiterName, default, rules, source, cancellationToken);

    // Consumes a completed acquire, as awaiting it would: a pooled source is released.
    [StackTraceHidden]
    private static bool AdmittedAtOnce(ValueTask acquire)
    {
        if (!acquire.IsCompletedSuccessfully) return false;
        acquire.GetAwaiter().GetResult();
        return true;
    }

    // Each awaits the acquire without ConfigureAwait(false): resuming on the caller's context is
    // what makes the method run where it was called. Nothing after the method needs that context.
    // [StackTraceHidden] cannot hide these frames from an exception they rethrow: the runtime reads
    // it from the state machine's MoveNext, which the compiler does not copy it to.
    [StackTraceHidden]
    private static async Task AcquireThenCall<TState>(ValueTask acquire, TState state, Func<TState, Task> call)
    {
        await acquire;
        await call(state).ConfigureAwait(false);
    }

    [StackTraceHidden]
    private static async Task<T> AcquireThenCall<TState, T>(ValueTask acquire, TState state, Func<TState, Task<T>> call)
    {
        await acquire;
        return await call(state).ConfigureAwait(false);
    }

    [StackTraceHidden]
    private static async ValueTask AcquireThenCall<TState>(ValueTask acquire, TState state, Func<TState, ValueTask> call)
    {
        await acquire;
        await call(state).ConfigureAwait(false);
    }

    [StackTraceHidden]
    private static async ValueTask<T> AcquireThenCall<TState, T>(ValueTask acquire, TState state, Func<TState, ValueTask<T>> call)
    {
        await acquire;
        return await call(state).ConfigureAwait(false);
    }

    // What an interceptor decided, marked only around the invocation: the marked overloads travel
    // through the plain ones as their state, so the plain ones stay the only code that awaits.
    private readonly struct Decision(RateLimitRule rule, RateLimitRule[]? rules, string memberId, string? limiterName)
    {
        public void Mark()
        {
            if (rules is not null) DecidedCalls.Mark(rules, memberId, limiterName);
            else DecidedCalls.Mark(in rule, memberId, limiterName);
        }
    }

    private readonly struct Marked<TState, TResult>(TState state, Func<TState, TResult> call, Decision decision)
    {
        // Cached once per closed type, so a call allocates no delegate.
        public static readonly Func<Marked<TState, TResult>, TResult> Invoke = static marked => marked.Run();

        [StackTraceHidden]
        private TResult Run()
        {
            decision.Mark();
            try
            {
                return call(state);
            }
            finally
            {
                DecidedCalls.Unmark();
            }
        }
    }

    // One rule is acquired as one (rules is null), several together: the limiter decides them differently.
    [StackTraceHidden]
    private static async IAsyncEnumerable<T> AcquireOnEnumeration<T>(
        string? limiterName,
        RateLimitRule rule,
        RateLimitRule[]? rules,
        IAsyncEnumerable<T> source,
        CancellationToken callToken,
        [EnumeratorCancellation] CancellationToken enumeratorToken = default)
    {
        // The method's iterator honours both its token argument and the enumerator's
        // (WithCancellation); so does the wait for the limiter, or a cancelled call would still
        // consume its budget. Linked only when both can cancel, so the usual case allocates no source.
        using (CancellationTokenSource? linked = callToken.CanBeCanceled && enumeratorToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(callToken, enumeratorToken) : null)
        {
            CancellationToken token = linked?.Token ?? (enumeratorToken.CanBeCanceled ? enumeratorToken : callToken);
            CellLimiter limiter = SharedLimiter.Get(limiterName);
            await (rules is null ? limiter.AcquireAsync(rule, token) : limiter.AcquireAsync(rules, token));
        }

        await foreach (T item in source.WithCancellation(enumeratorToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}
