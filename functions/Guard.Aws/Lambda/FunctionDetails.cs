namespace Guard.Aws.Lambda;

/// <summary>GetFunction's answer: the configuration, where the code is, and the function's tags.</summary>
/// <param name="CodeLocation">Presigned URL of the deployment package, valid for about 10 minutes (zip functions).</param>
/// <param name="RepositoryType"><c>S3</c> for zip functions, <c>ECR</c> for images.</param>
/// <param name="ImageUri">The image as the deploy named it (images): a tag or a digest.</param>
/// <param name="Tags">Empty when the caller lacks <c>lambda:ListTags</c>: Lambda then leaves them out.</param>
/// <param name="ResolvedImageUri">The exact image Lambda runs (images): <c>repository@sha256:…</c>, whatever tag the deploy named.</param>
/// <param name="CodeObject">
/// <c>Code.ResolvedS3Object</c>: the object version a function created or updated with <c>S3ObjectStorageMode:
/// REFERENCE</c> runs from. Lambda keeps no copy of such code and GetFunction gives no <see cref="CodeLocation"/> for it
/// (as observed and shown in the Lambda API reference's response syntax); null for Lambda-stored code.
/// </param>
/// <param name="CodeError">
/// <c>Code.Error</c> as <c>ErrorCode: Message</c>: why Lambda itself could not retrieve the package, when it says.
/// </param>
public sealed record FunctionDetails(
    FunctionConfiguration Configuration,
    string? CodeLocation,
    string? RepositoryType,
    string? ImageUri,
    IReadOnlyDictionary<string, string> Tags,
    PackageLocation.S3Object? CodeObject = null,
    string? CodeError = null)
{
    /// <summary>An image function's <c>ImageUri</c> pinned to the digest Lambda resolved it to when deployed (<c>REPOSITORY@sha256:…</c>): what runs.</summary>
    public string? ResolvedImageUri { get; init; }
}

/// <summary>The fields of Lambda's FunctionConfiguration that Guard reads.</summary>
/// <param name="Architectures">Never empty: Lambda omits it for older functions, which run on x86_64.</param>
/// <param name="PackageType"><c>Zip</c> (also when Lambda omits it) or <c>Image</c>.</param>
/// <param name="CodeSha256">Base64 SHA-256 of the deployment package.</param>
/// <param name="Environment">The function's LD_LIBRARY_PATH setting (no other variable is read); null when Lambda
/// reported an error decrypting its variables, or the record did not come from Lambda.</param>
/// <param name="ImageConfig">An image function's ENTRYPOINT, CMD and WORKDIR overrides; null when it sets none (and for zips).</param>
/// <param name="StateReasonCode">Why the function (or version) is in its <paramref name="State"/>: e.g. <c>Creating</c>, or for a
/// version Lambda failed to start, <c>FunctionError.InvalidEntryPoint</c> (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).</param>
/// <param name="LastUpdateStatusReasonCode">Why the last update is in its <paramref name="LastUpdateStatus"/> (same codes).</param>
public sealed record FunctionConfiguration(
    string FunctionName,
    string FunctionArn,
    string? Runtime,
    string? Handler,
    IReadOnlyList<string> Architectures,
    IReadOnlyList<LayerReference> Layers,
    string PackageType,
    string CodeSha256,
    long CodeSize,
    string? RevisionId,
    string? State,
    string? LastUpdateStatus,
    string? Version,
    string? Role,
    Guard.Inspection.FunctionEnvironment? Environment = null,
    string? StateReason = null,
    string? StateReasonCode = null,
    string? LastUpdateStatusReason = null,
    string? LastUpdateStatusReasonCode = null)
{
    /// <summary>An image function's ImageConfig (its overrides of the image's ENTRYPOINT, CMD, WORKDIR); null for none or a zip.</summary>
    public Guard.Inspection.Images.FunctionImageConfig? ImageConfig { get; init; }

    /// <summary>
    /// Lambda's own verdict when it failed the function or its last update (<c>State</c> or <c>LastUpdateStatus</c>
    /// <c>Failed</c>): its reason code and reason; null otherwise. A failed state wins: it is what invocations meet.
    /// </summary>
    public LambdaFailure? Failure =>
        string.Equals(State, "Failed", StringComparison.Ordinal) ? new LambdaFailure(StateReasonCode, StateReason)
        : string.Equals(LastUpdateStatus, "Failed", StringComparison.Ordinal) ? new LambdaFailure(LastUpdateStatusReasonCode, LastUpdateStatusReason)
        : null;
}

/// <summary>Why Lambda failed a function, a version or an update, in its own words.</summary>
/// <param name="Code">E.g. <c>FunctionError.RuntimeInitError</c>, <c>InvalidImage</c>; null when Lambda gave none.</param>
/// <param name="Reason">Lambda's free text: may quote the function's own output, so whoever shows it bounds it.</param>
public sealed record LambdaFailure(string? Code, string? Reason);

/// <param name="Arn">A layer-version ARN (ends in <c>:&lt;version&gt;</c>).</param>
public sealed record LayerReference(string Arn, long CodeSize);

/// <summary>GetLayerVersionByArn's answer, reduced to the package.</summary>
/// <param name="Location">Presigned URL of the layer's zip, valid for about 10 minutes.</param>
public sealed record LayerVersionContent(string LayerVersionArn, string? Location, string? CodeSha256, long CodeSize);

/// <summary>UpdateFunctionCode's arguments: the code from an S3 object (zips), or an image (<see cref="ImageUri"/>).</summary>
/// <param name="S3Bucket">Null for an image.</param>
/// <param name="S3Key">Null for an image.</param>
/// <param name="RevisionId">Lambda refuses the update (PreconditionFailedException) when the function changed since it was read.</param>
/// <param name="Architectures">Null keeps the function's architecture.</param>
/// <param name="ImageUri">The image an image function runs from now on; null for a zip.</param>
public sealed record FunctionCodeUpdate(
    string? S3Bucket,
    string? S3Key,
    string? S3ObjectVersion,
    string? RevisionId,
    IReadOnlyList<string>? Architectures = null,
    string? ImageUri = null)
{
    /// <summary>An image function's update: <paramref name="imageUri"/> is best a digest (<c>repository@sha256:…</c>), which no later push can move.</summary>
    public static FunctionCodeUpdate Image(string imageUri, string? revisionId, IReadOnlyList<string>? architectures = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(imageUri);
        return new FunctionCodeUpdate(null, null, null, revisionId, architectures, imageUri);
    }
}

/// <summary>UpdateFunctionConfiguration's arguments; null leaves a setting as it is.</summary>
/// <param name="Layers">An empty list removes all layers.</param>
/// <param name="RevisionId">Lambda refuses the update (PreconditionFailedException) when the function changed since it was read.</param>
/// <param name="ImageConfig">
/// An image function's ImageConfig, sent whole: Lambda replaces the function's ImageConfig with it rather than merging
/// field by field, so a field left null here is cleared (the image's own ENTRYPOINT, CMD or WORKDIR applies again), and
/// <see cref="Guard.Inspection.Images.FunctionImageConfig.None"/> clears every override. Null leaves it as it is.
/// </param>
public sealed record FunctionConfigurationUpdate(
    string? Runtime,
    string? Handler,
    IReadOnlyList<string>? Layers,
    string? RevisionId,
    Guard.Inspection.Images.FunctionImageConfig? ImageConfig = null);
