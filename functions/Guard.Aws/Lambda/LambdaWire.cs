namespace Guard.Aws.Lambda;

// Lambda's JSON as it travels (PascalCase names, every field optional), mapped to the public records in
// LambdaClient. Only the fields Guard reads or sends are declared; the rest are skipped on read.

internal sealed class GetFunctionResponse
{
    public FunctionConfigurationWire? Configuration { get; set; }
    public FunctionCodeLocationWire? Code { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
}

internal sealed class FunctionCodeLocationWire
{
    public string? Location { get; set; }
    public string? RepositoryType { get; set; }
    public string? ImageUri { get; set; }
    public string? ResolvedImageUri { get; set; }
    public ResolvedS3ObjectWire? ResolvedS3Object { get; set; }
    public FunctionCodeLocationErrorWire? Error { get; set; }
}

/// <summary>https://docs.aws.amazon.com/lambda/latest/api/API_ResolvedS3Object.html</summary>
internal sealed class ResolvedS3ObjectWire
{
    public string? S3Bucket { get; set; }
    public string? S3Key { get; set; }
    public string? S3ObjectVersion { get; set; }
}

/// <summary>https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocationError.html</summary>
internal sealed class FunctionCodeLocationErrorWire
{
    public string? ErrorCode { get; set; }
    public string? Message { get; set; }
}

internal sealed class FunctionConfigurationWire
{
    public string? FunctionName { get; set; }
    public string? FunctionArn { get; set; }
    public string? Runtime { get; set; }
    public string? Handler { get; set; }
    public List<string>? Architectures { get; set; }
    public List<LayerWire>? Layers { get; set; }
    public string? PackageType { get; set; }
    public string? CodeSha256 { get; set; }
    public long CodeSize { get; set; }
    public string? RevisionId { get; set; }
    public string? State { get; set; }
    public string? StateReason { get; set; }
    public string? StateReasonCode { get; set; }
    public string? LastUpdateStatus { get; set; }
    public string? LastUpdateStatusReason { get; set; }
    public string? LastUpdateStatusReasonCode { get; set; }
    public string? Version { get; set; }
    public string? Role { get; set; }
    public EnvironmentWire? Environment { get; set; }
    public ImageConfigResponseWire? ImageConfigResponse { get; set; }
}

/// <summary>An image function's ImageConfig overrides (EntryPoint, Command, WorkingDirectory); Error when Lambda could not read them.</summary>
internal sealed class ImageConfigResponseWire
{
    public ImageConfigWire? ImageConfig { get; set; }
}

internal sealed class ImageConfigWire
{
    public List<string>? EntryPoint { get; set; }
    public List<string>? Command { get; set; }
    public string? WorkingDirectory { get; set; }
}

/// <summary>
/// The function's environment, reduced to what ld.so reads: the only variable mapped is LD_LIBRARY_PATH, so no other
/// value (they may be secrets) is ever held. Error is set when Lambda could not decrypt the variables.
/// </summary>
internal sealed class EnvironmentWire
{
    public EnvironmentVariablesWire? Variables { get; set; }
    public EnvironmentErrorWire? Error { get; set; }
}

internal sealed class EnvironmentVariablesWire
{
    [System.Text.Json.Serialization.JsonPropertyName("LD_LIBRARY_PATH")]
    public string? LdLibraryPath { get; set; }
}

internal sealed class EnvironmentErrorWire
{
    public string? ErrorCode { get; set; }
}

internal sealed class LayerWire
{
    public string? Arn { get; set; }
    public long CodeSize { get; set; }
}

internal sealed class ListFunctionsResponse
{
    public List<FunctionConfigurationWire>? Functions { get; set; }
    public string? NextMarker { get; set; }
}

internal sealed class GetLayerVersionResponse
{
    public string? LayerVersionArn { get; set; }
    public LayerContentWire? Content { get; set; }
}

internal sealed class LayerContentWire
{
    public string? Location { get; set; }
    public string? CodeSha256 { get; set; }
    public long CodeSize { get; set; }
}

internal sealed class UpdateFunctionCodeRequest
{
    public string? ImageUri { get; set; }
    public string? S3Bucket { get; set; }
    public string? S3Key { get; set; }
    public string? S3ObjectVersion { get; set; }
    public string? RevisionId { get; set; }
    public List<string>? Architectures { get; set; }
}

internal sealed class UpdateFunctionConfigurationRequest
{
    public string? Runtime { get; set; }
    public string? Handler { get; set; }
    public List<string>? Layers { get; set; }
    public string? RevisionId { get; set; }

    /// <summary>Sent whole: an object without a field clears that override, <c>{}</c> clears them all.</summary>
    public ImageConfigWire? ImageConfig { get; set; }
}

internal sealed class FunctionConcurrency
{
    public int? ReservedConcurrentExecutions { get; set; }
}

internal sealed class ListTagsResponse
{
    public Dictionary<string, string>? Tags { get; set; }
}

internal sealed class TagResourceRequest
{
    public Dictionary<string, string>? Tags { get; set; }
}
