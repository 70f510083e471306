namespace Guard.Aws.Http;

/// <summary>Which failures are worth another attempt.</summary>
public static class TransientErrors
{
    /// <summary>Throttling codes across Lambda (REST-JSON), SNS (Query) and S3 (REST-XML); some arrive with HTTP 400.</summary>
    public static IReadOnlySet<string> ThrottlingCodes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
    };

    /// <summary>Codes the pipeline itself assigns when no response arrived (S3 also answers RequestTimeout, with 400).</summary>
    public const string RequestTimeout = "RequestTimeout";
    public const string NetworkFailure = "NetworkFailure";

    /// <summary>Server-side failures that S3 may report under a status that is not 5xx (e.g. inside a 200 answer).</summary>
    private const string InternalError = "InternalError";
    private const string ServiceUnavailable = "ServiceUnavailable";

    public static bool IsTransient(int statusCode, string? errorCode) =>
        statusCode is 408 or 429 or >= 500
        || (errorCode is not null
            && (ThrottlingCodes.Contains(errorCode) || errorCode is RequestTimeout or NetworkFailure or InternalError or ServiceUnavailable));
}
