namespace Guard.Aws.Lambda;

/// <summary>GetFunction's answer: the configuration, where the code is, and the function's tags.</summary>
/// <param name="CodeLocation">Presigned URL of the deployment package, valid for about 10 minutes (zip functions).</param>
/// <param name="RepositoryType"><c>S3</c> for zip functions, <c>ECR</c> for images.</param>
/// <param name="Tags">Empty when the caller lacks <c>lambda:ListTags</c>: Lambda then leaves them out.</param>
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
    Guard.Inspection.FunctionEnvironment? Environment = null)
{
    /// <summary>An image function's ImageConfig (its overrides of the image's ENTRYPOINT, CMD, WORKDIR); null for none or a zip.</summary>
    public Guard.Inspection.Images.FunctionImageConfig? ImageConfig { get; init; }
}

/// <param name="Arn">A layer-version ARN (ends in <c>:&lt;version&gt;</c>).</param>
public sealed record LayerReference(string Arn, long CodeSize);

/// <summary>GetLayerVersionByArn's answer, reduced to the package.</summary>
/// <param name="Location">Presigned URL of the layer's zip, valid for about 10 minutes.</param>
public sealed record LayerVersionContent(string LayerVersionArn, string? Location, string? CodeSha256, long CodeSize);

/// <summary>UpdateFunctionCode's arguments when the code comes from S3.</summary>
/// <param name="RevisionId">Lambda refuses the update (PreconditionFailedException) when the function changed since it was read.</param>
/// <param name="Architectures">Null keeps the function's architecture.</param>
public sealed record FunctionCodeUpdate(
    string S3Bucket,
    string S3Key,
    string? S3ObjectVersion,
    string? RevisionId,
    IReadOnlyList<string>? Architectures = null);
