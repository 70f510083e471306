using System.Text.Json;
using Guard.Function.Rollback;

namespace Guard.Function.Deploys;

/// <summary>
/// What a deploy event says beyond the parsed <see cref="Routing.CloudTrailRecord"/>, read straight from the
/// payload: where the code came from and which role's session made the call.
/// </summary>
/// <param name="CodeOrigin">
/// UpdateFunctionCode puts <c>s3Bucket</c>/<c>s3Key</c>/<c>s3ObjectVersion</c> at the top of
/// <c>requestParameters</c>, CreateFunction under <c>requestParameters.code</c> (aws-facts §1.4); absent for a
/// ZipFile upload.
/// </param>
/// <param name="SessionIssuerArn"><c>userIdentity.sessionContext.sessionIssuer.arn</c>: the role behind an assumed-role session.</param>
public sealed record DeployEventFacts(CodeOrigin? CodeOrigin, string? SessionIssuerArn)
{
    public static DeployEventFacts None { get; } = new(null, null);

    /// <param name="root">The EventBridge event (envelope with <c>detail</c>).</param>
    public static DeployEventFacts From(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("detail", out var detail) || detail.ValueKind != JsonValueKind.Object)
        {
            return None;
        }

        CodeOrigin? origin = null;
        if (Child(detail, "requestParameters") is { } request)
        {
            origin = Origin(request) ?? (Child(request, "code") is { } code ? Origin(code) : null);
        }

        var issuer = Child(detail, "userIdentity") is { } identity
            && Child(identity, "sessionContext") is { } session
            && Child(session, "sessionIssuer") is { } sessionIssuer
                ? String(sessionIssuer, "arn")
                : null;
        return new DeployEventFacts(origin, issuer);
    }

    private static CodeOrigin? Origin(JsonElement parameters) =>
        String(parameters, "s3Bucket") is { Length: > 0 } bucket && String(parameters, "s3Key") is { Length: > 0 } key
            ? new CodeOrigin(bucket, key, String(parameters, "s3ObjectVersion") is { Length: > 0 } version ? version : null)
            : null;

    private static JsonElement? Child(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
