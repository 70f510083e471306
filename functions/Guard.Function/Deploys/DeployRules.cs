using Guard.Aws.Store;
using Guard.Function.Rollback;
using Guard.Function.Routing;

namespace Guard.Function.Deploys;

/// <summary>Which call deployed: it decides how a placeholder is treated.</summary>
public enum DeployCall
{
    CreateFunction,
    UpdateFunctionCode,
    UpdateFunctionConfiguration,

    /// <summary>A version was published: immutable code that versions, aliases and capacity providers run, never <c>$LATEST</c>.</summary>
    PublishVersion,
}

/// <summary>What to do with a placeholder package.</summary>
public enum PlaceholderAction
{
    /// <summary>Tolerate it and remember it as pending: real code is expected to follow.</summary>
    RememberPending,

    /// <summary>It replaced good code: an error (<c>PLACEHOLDER_OVER_GOOD</c>) and an alert.</summary>
    AlertOverGood,
}

/// <summary>The decisions of a deploy check, free of I/O so each is tested on its own.</summary>
public static class DeployRules
{
    public const string ModeTag = "guard:mode";

    private const string LatestVersion = "$LATEST";

    public static DeployCall? CallOf(string? eventName) =>
        eventName switch
        {
            null => null,
            _ when !EventRouter.IsDeployEventName(eventName) => null,
            _ when eventName.StartsWith("CreateFunction", StringComparison.Ordinal) => DeployCall.CreateFunction,
            _ when eventName.StartsWith("UpdateFunctionCode", StringComparison.Ordinal) => DeployCall.UpdateFunctionCode,
            _ when eventName.StartsWith("PublishVersion", StringComparison.Ordinal) => DeployCall.PublishVersion,
            _ => DeployCall.UpdateFunctionConfiguration,
        };

    /// <summary>
    /// The version to judge: for PublishVersion the one it made — <c>responseElements.version</c> (<c>3</c>,
    /// <c>$LATEST.PUBLISHED</c>), else the qualifier of <c>responseElements.functionArn</c>; null (<c>$LATEST</c>) for
    /// every other call. A create or update with <c>publish: true</c> also makes a version, but of the code now on
    /// <c>$LATEST</c>, which is what is judged.
    /// </summary>
    public static string? VersionToCheck(DeployCall call, CloudTrailRecord? detail)
    {
        if (call != DeployCall.PublishVersion || detail?.ResponseElements is not { } response)
        {
            return null;
        }

        if (response.Version is { Length: > 0 } version && version != LatestVersion)
        {
            return version;
        }

        // arn:partition:lambda:region:account:function:name:qualifier
        var parts = response.FunctionArn?.Split(':');
        return parts is { Length: 8 } && parts[7].Length > 0 && parts[7] != LatestVersion ? parts[7] : null;
    }

    /// <summary>
    /// Whether the deploy changed <c>$LATEST</c>, which Guard's records (good code, pending placeholders) describe: a
    /// published version is a copy of code <c>$LATEST</c> held when it was published, judged when it got there.
    /// </summary>
    public static bool ChangesLatest(DeployCall call) => call != DeployCall.PublishVersion;

    /// <summary>
    /// The name to look the function up by: <c>requestParameters.functionName</c> (a name, a partial or full
    /// ARN) without any version or alias qualifier, since the deploy changed <c>$LATEST</c>; else
    /// <c>responseElements.functionName</c>.
    /// </summary>
    public static string? FunctionToCheck(CloudTrailRecord? detail)
    {
        var name = detail?.RequestParameters?.FunctionName;
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.IsNullOrWhiteSpace(detail?.ResponseElements?.FunctionName) ? null : detail.ResponseElements.FunctionName;
        }

        if (name.StartsWith("arn:", StringComparison.Ordinal))
        {
            // arn:partition:lambda:region:account:function:name[:qualifier]
            var parts = name.Split(':');
            return parts.Length > 7 ? string.Join(':', parts[..7]) : name;
        }

        // name[:qualifier] or account:function:name[:qualifier]
        var segments = name.Split(':');
        return segments.Length switch
        {
            2 => segments[0],
            4 when segments[1] == "function" => string.Join(':', segments[..3]),
            _ => name,
        };
    }

    /// <summary>
    /// The S3 object the deploy took its code from: UpdateFunctionCode names it at the top of
    /// <c>requestParameters</c>, CreateFunction under <c>requestParameters.code</c> (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html); null for a
    /// ZipFile upload, whose bytes CloudTrail omits.
    /// </summary>
    public static CodeOrigin? CodeOriginOf(LambdaRequestParameters? request) =>
        Origin(request?.S3Bucket, request?.S3Key, request?.S3ObjectVersion)
        ?? Origin(request?.Code?.S3Bucket, request?.Code?.S3Key, request?.Code?.S3ObjectVersion);

    /// <summary>
    /// The event is stale when the function's code is no longer the code the event deployed: a newer deploy
    /// happened, and its own event will be checked. Without a digest in the event it is never stale.
    /// </summary>
    public static bool IsStale(string? eventCodeSha256, string currentCodeSha256) =>
        !string.IsNullOrEmpty(eventCodeSha256) && !string.Equals(eventCodeSha256, currentCodeSha256, StringComparison.Ordinal);

    /// <summary>The function's <c>guard:mode</c> tag wins over <c>GUARD_MODE</c>; an unreadable tag is ignored.</summary>
    public static GuardMode ResolveMode(GuardMode configured, IReadOnlyDictionary<string, string> tags, out bool fromTag)
    {
        ArgumentNullException.ThrowIfNull(tags);
        fromTag = false;
        if (tags.TryGetValue(ModeTag, out var value) && GuardModes.TryParse(value, out var tagged))
        {
            fromTag = true;
            return tagged;
        }

        return configured;
    }

    /// <summary>
    /// A placeholder is normal when a function is created (infra first, code later) and when no good code
    /// is known; it is an error when an UpdateFunctionCode puts it over code Guard last saw as good.
    /// </summary>
    public static PlaceholderAction DecidePlaceholder(DeployCall call, DeployRecord? lastGood, string currentCodeSha256) =>
        call == DeployCall.UpdateFunctionCode
        && lastGood is not null
        && !string.Equals(lastGood.CodeSha256, currentCodeSha256, StringComparison.Ordinal)
            ? PlaceholderAction.AlertOverGood
            : PlaceholderAction.RememberPending;

    private static CodeOrigin? Origin(string? bucket, string? key, string? version) =>
        bucket is { Length: > 0 } && key is { Length: > 0 } ? new CodeOrigin(bucket, key, version is { Length: > 0 } ? version : null) : null;
}
