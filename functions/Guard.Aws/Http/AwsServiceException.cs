namespace Guard.Aws.Http;

/// <summary>
/// An AWS call that failed after retries: the service's error code (sanitised, e.g.
/// <c>ResourceNotFoundException</c>), the HTTP status (0 when no response arrived) and the service's message.
/// Messages never carry credentials, signatures or request bodies.
/// </summary>
public class AwsServiceException : Exception
{
    public AwsServiceException(string errorCode, int statusCode, string message)
        : this(errorCode, statusCode, message, action: null, requestId: null, innerException: null)
    {
    }

    public AwsServiceException(string errorCode, int statusCode, string message, string? action, string? requestId, Exception? innerException)
        : base(Describe(errorCode, statusCode, message, action), innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        ServiceMessage = message;
        Action = action;
        RequestId = requestId;
    }

    /// <summary>The sanitised error code, e.g. <c>TooManyRequestsException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status, or 0 when the call never got a response (timeout, connection failure).</summary>
    public int StatusCode { get; }

    /// <summary>The service's own message, without the action and code prefix.</summary>
    public string ServiceMessage { get; }

    /// <summary>The IAM action that failed (see <see cref="AwsActions"/>), when known.</summary>
    public string? Action { get; }

    public string? RequestId { get; }

    /// <summary>True when the same call may succeed later: throttling, 5xx, timeouts.</summary>
    public bool IsTransient => TransientErrors.IsTransient(StatusCode, ErrorCode);

    private static string Describe(string errorCode, int statusCode, string message, string? action) =>
        $"{action ?? "AWS call"} failed: {errorCode}{(statusCode > 0 ? $" (HTTP {statusCode})" : "")}: {message}";
}
