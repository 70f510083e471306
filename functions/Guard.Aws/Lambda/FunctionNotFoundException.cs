using Guard.Aws.Http;

namespace Guard.Aws.Lambda;

/// <summary>
/// The function does not exist (Lambda's <c>ResourceNotFoundException</c>): typically deleted between the
/// deploy event and the check. Permanent; callers acknowledge the event rather than retry it.
/// </summary>
public sealed class FunctionNotFoundException : AwsServiceException
{
    public FunctionNotFoundException(string functionName, AwsServiceException innerException)
        : base(
            (innerException ?? throw new ArgumentNullException(nameof(innerException))).ErrorCode,
            innerException.StatusCode,
            innerException.ServiceMessage,
            innerException.Action,
            innerException.RequestId,
            innerException)
    {
        FunctionName = functionName;
    }

    public string FunctionName { get; }
}
