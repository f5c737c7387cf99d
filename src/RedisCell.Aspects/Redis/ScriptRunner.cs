using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using RedisCell.Aspects.Resilience;
using StackExchange.Redis;

namespace RedisCell.Aspects.Redis;

/// <summary>What the store said to one call: its reply, or why it could not decide.</summary>
internal readonly record struct Outcome(RedisResult? Reply, Exception? Failure);

/// <summary>
/// Sends script calls within a decision's deadline: <c>EVALSHA</c>, the script's text once when the
/// server lost it, or the bare <c>CL.THROTTLE</c>; through the circuit breaker, which it keeps
/// informed. A store that cannot decide is reported as a failure (the caller's failure policy
/// answers); a server error about the call or the data is thrown as <see cref="RedisCellException"/>.
/// </summary>
internal sealed class ScriptRunner
{
    private readonly RedisConnection _connection;
    private readonly CircuitBreaker _breaker;
    private readonly TimeSpan _timeout;

    public ScriptRunner(RedisConnection connection, CircuitBreaker breaker, TimeSpan timeout)
    {
        _connection = connection;
        _breaker = breaker;
        _timeout = timeout;
    }

    /// <summary>
    /// The synchronous path: StackExchange.Redis's own blocking call on a connection whose
    /// <c>SyncTimeout</c> is the decision timeout. After <c>NOSCRIPT</c> the text is resent within
    /// what is left of the deadline: a synchronous call takes no deadline, so that one resend is
    /// sent asynchronously and waited for, bounded.
    /// </summary>
    public bool TryRun(in ScriptCall call, [NotNullWhen(true)] out RedisResult? reply, [NotNullWhen(false)] out Exception? failure)
    {
        reply = null;
        failure = null;
        long deadline = Deadline.After(_timeout);
        if (!_breaker.TryEnter(_connection.IsConnected, out bool probe))
        {
            failure = new StoreCircuitOpenException();
            return false;
        }

        try
        {
            IDatabase database = _connection.SyncDatabase();
            _connection.ThrowIfDisconnected(database);
            try
            {
                reply = call.Script is null
                    ? database.Execute(ScriptCall.ModuleCommand, call.CommandArguments())
                    : database.ScriptEvaluate(call.Script.Hash, call.Keys, call.Values);
            }
            catch (RedisServerException ex) when (call.Script is null && StoreErrors.IsUnknownCommand(ex))
            {
                _breaker.RecordSuccess(probe);
                failure = new ModuleCommandGoneException(ex);
                return false;
            }
            catch (RedisServerException ex) when (call.Script is not null && StoreErrors.IsNoScript(ex))
            {
                reply = ResendWithin(database, call, deadline);
            }
        }
        catch (Exception ex) when (StoreErrors.IsUnavailable(ex))
        {
            _breaker.RecordFailure(probe);
            failure = ex;
            return false;
        }
        catch (RedisServerException ex)
        {
            _breaker.RecordSuccess(probe);
            throw StoreErrors.Translate(ex, call.Keys);
        }
        catch
        {
            _breaker.OnAbandoned(probe);
            throw;
        }

        _breaker.RecordSuccess(probe);
        return true;
    }

    /// <summary>The asynchronous path: stops waiting at the deadline, whatever the connection's own timeouts.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Outcome> TryRunAsync(ScriptCall call, long deadline, CancellationToken cancellationToken)
    {
        if (!_breaker.TryEnter(_connection.IsConnected, out bool probe)) return new Outcome(null, new StoreCircuitOpenException());
        RedisResult reply;
        try
        {
            reply = call.Script is null
                ? await ExecuteModuleCommandAsync(call, deadline, cancellationToken).ConfigureAwait(false)
                : await EvaluateAsync(call.Script, call.Keys, call.Values, deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (call.Script is null && StoreErrors.IsUnknownCommand(ex))
        {
            _breaker.RecordSuccess(probe);
            return new Outcome(null, new ModuleCommandGoneException(ex));
        }
        catch (Exception ex) when (StoreErrors.IsUnavailable(ex))
        {
            _breaker.RecordFailure(probe);
            return new Outcome(null, ex);
        }
        catch (RedisServerException ex)
        {
            _breaker.RecordSuccess(probe);
            throw StoreErrors.Translate(ex, call.Keys);
        }
        catch
        {
            _breaker.OnAbandoned(probe);
            throw;
        }

        _breaker.RecordSuccess(probe);
        return new Outcome(reply, null);
    }

    /// <summary>
    /// <c>EVALSHA</c>, or the script's text once when the server lost its script cache. The resend
    /// gets what is left until the deadline, not a new timeout. Not guarded by the breaker: the
    /// caller reports the outcome.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RedisResult> EvaluateAsync(RedisScript script, RedisKey[] keys, RedisValue[] values, long deadline, CancellationToken cancellationToken)
    {
        IDatabase database = _connection.Database;
        _connection.ThrowIfDisconnected(database);
        Task<RedisResult>? evaluation = null;
        try
        {
            try
            {
                evaluation = database.ScriptEvaluateAsync(script.Hash, keys, values);
                return await evaluation.WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (StoreErrors.IsNoScript(ex))
            {
                evaluation = database.ScriptEvaluateAsync(script.Text, keys, values);
                return await evaluation.WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            StoreErrors.Observe(evaluation);
            throw;
        }
    }

    // EVAL with the script's text, which also puts it back in the server's cache for the calls after.
    private static RedisResult ResendWithin(IDatabase database, in ScriptCall call, long deadline)
    {
        Task<RedisResult> resend = database.ScriptEvaluateAsync(call.Script!.Text, call.Keys, call.Values);
        try
        {
            if (resend.Wait(Deadline.Remaining(deadline))) return resend.Result;
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
        }

        StoreErrors.Observe(resend);
        throw new TimeoutException("The server lost the rate-limit script (NOSCRIPT) and did not answer its resend within the decision's timeout.");
    }

    private async Task<RedisResult> ExecuteModuleCommandAsync(ScriptCall call, long deadline, CancellationToken cancellationToken)
    {
        IDatabase database = _connection.Database;
        _connection.ThrowIfDisconnected(database);
        Task<RedisResult> command = database.ExecuteAsync(ScriptCall.ModuleCommand, call.CommandArguments());
        try
        {
            return await command.WaitAsync(Deadline.Remaining(deadline), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            StoreErrors.Observe(command);
            throw;
        }
    }
}
