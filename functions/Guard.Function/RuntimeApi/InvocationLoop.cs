using Guard.Function.Logging;

namespace Guard.Function.RuntimeApi;

/// <summary>
/// The runtime's main loop: <c>/next</c>, run the handler, <c>/response</c> or <c>/error</c>, forever. It never
/// looks inside payloads, and a handler exception fails only that invocation (Lambda then retries or
/// dead-letters the event) while the loop goes on to the next one.
/// </summary>
public sealed class InvocationLoop
{
    /// <summary>Time kept back from the deadline so a cancelled handler can still report its error.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    private const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    private readonly IRuntimeApi _api;
    private readonly IInvocationHandler _handler;
    private readonly GuardLog _log;
    private readonly TimeProvider _time;

    public InvocationLoop(IRuntimeApi api, IInvocationHandler handler, GuardLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        _api = api;
        _handler = handler;
        _log = log;
        _time = time;
    }

    /// <summary>
    /// Builds the handler with <paramref name="initialize"/> and runs the loop. An initialization failure is
    /// reported on <c>/init/error</c> (Lambda then discards this process) and returns false.
    /// </summary>
    public static async Task<bool> RunAsync(
        IRuntimeApi api, Func<IInvocationHandler> initialize, GuardLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(initialize);
        ArgumentNullException.ThrowIfNull(log);
        IInvocationHandler handler;
        try
        {
            handler = initialize();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Error("initialization failed", exception: e);
            await api.ReportInitErrorAsync(RuntimeError.From(e), cancellationToken).ConfigureAwait(false);
            return false;
        }

        await new InvocationLoop(api, handler, log, time).RunAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or the Runtime API goes away.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var invocation = await _api.NextAsync(cancellationToken).ConfigureAwait(false);
            await InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Handles one event and reports its outcome; never throws for a handler failure.</summary>
    public async Task InvokeAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        // The X-Ray SDKs read the current trace from this variable, as on the managed runtimes.
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        _log.RequestId = invocation.RequestId;

        ReadOnlyMemory<byte> response;
        try
        {
            using var budget = DeadlineBudget(invocation.DeadlineUtc, cancellationToken);
            response = await _handler.HandleAsync(invocation, budget.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _log.Error("invocation failed; Lambda will retry the event or send it to the dead-letter queue", exception: e);
            await _api.ReportInvocationErrorAsync(invocation.RequestId, RuntimeError.From(e), cancellationToken).ConfigureAwait(false);
            return;
        }
        finally
        {
            _log.RequestId = null;
        }

        await _api.RespondAsync(invocation.RequestId, response, cancellationToken).ConfigureAwait(false);
    }

    private CancellationTokenSource DeadlineBudget(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline != DateTimeOffset.MaxValue)
        {
            var left = deadline - DeadlineMargin - _time.GetUtcNow();
            source.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        return source;
    }
}
