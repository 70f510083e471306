namespace Guard.Function.RuntimeApi;

/// <summary>One event handed out by the Runtime API's <c>/next</c>, with its headers.</summary>
/// <param name="RequestId"><c>Lambda-Runtime-Aws-Request-Id</c>.</param>
/// <param name="DeadlineUtc"><c>Lambda-Runtime-Deadline-Ms</c>: when Lambda stops the invocation.</param>
/// <param name="InvokedFunctionArn"><c>Lambda-Runtime-Invoked-Function-Arn</c>.</param>
/// <param name="TraceId"><c>Lambda-Runtime-Trace-Id</c> (X-Ray), when tracing is on.</param>
/// <param name="Payload">
/// The event, as sent; the loop never reads it. Valid until the next <see cref="IRuntimeApi.NextAsync"/>:
/// <see cref="RuntimeApiClient"/> reads every event into the same buffer, so a handler that needs any of it
/// later copies that part out.
/// </param>
public sealed record Invocation(
    string RequestId,
    DateTimeOffset DeadlineUtc,
    string? InvokedFunctionArn,
    string? TraceId,
    ReadOnlyMemory<byte> Payload);

/// <summary>The error document the Runtime API accepts on <c>/error</c> and <c>/init/error</c>.</summary>
public sealed record RuntimeError(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace)
{
    /// <summary>Type name and message of <paramref name="exception"/>; the stack as lines (short under AOT with stripped symbols).</summary>
    public static RuntimeError From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var stack = (exception.StackTrace ?? string.Empty)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RuntimeError(exception.Message, exception.GetType().Name, stack);
    }
}
