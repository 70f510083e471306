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

    /// <summary>Codes the pipeline itself assigns when no response arrived.</summary>
    public const string RequestTimeout = "RequestTimeout";
    public const string NetworkFailure = "NetworkFailure";

    public static bool IsTransient(int statusCode, string? errorCode) =>
        statusCode is 429 or >= 500
        || (errorCode is not null && (ThrottlingCodes.Contains(errorCode) || errorCode is RequestTimeout or NetworkFailure));
}
