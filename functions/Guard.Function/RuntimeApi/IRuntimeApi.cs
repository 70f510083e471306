namespace Guard.Function.RuntimeApi;

/// <summary>
/// The Lambda Runtime API (2018-06-01), the only way this process talks to Lambda. Kept this small so that
/// <c>Amazon.Lambda.RuntimeSupport</c> can replace <see cref="RuntimeApiClient"/> where that package is served.
/// </summary>
public interface IRuntimeApi
{
    /// <summary>Blocks (without timeout) until Lambda hands out the next event.</summary>
    Task<Invocation> NextAsync(CancellationToken cancellationToken);

    Task RespondAsync(string requestId, ReadOnlyMemory<byte> response, CancellationToken cancellationToken);

    Task ReportInvocationErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken);

    /// <summary>Before the first <see cref="NextAsync"/> only: Lambda then fails the init and restarts the process.</summary>
    Task ReportInitErrorAsync(RuntimeError error, CancellationToken cancellationToken);
}

/// <summary>What the loop runs for each event. Returns the response body; throwing reports an invocation error.</summary>
public interface IInvocationHandler
{
    Task<ReadOnlyMemory<byte>> HandleAsync(Invocation invocation, CancellationToken cancellationToken);
}
