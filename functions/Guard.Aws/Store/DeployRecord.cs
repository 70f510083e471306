namespace Guard.Aws.Store;

/// <summary>
/// What Guard remembers about a function's code: a good package, or a placeholder awaiting real code. A good
/// record also carries the configuration the code was judged under, so a later broken deploy can be undone —
/// the code from <see cref="CodeBucket"/>/<see cref="CodeKey"/> (an image from <see cref="ImageUri"/>), the
/// configuration from the rest. Records written before rollback existed lack those (null). Stored as <see cref="StoreJsonContext"/> writes it.
/// </summary>
/// <param name="CheckedAt">When Guard judged it (ISO 8601).</param>
/// <param name="DeployedBy">The caller's ARN from CloudTrail.</param>
/// <param name="CodeKey">The copy of the code in the store (<see cref="CodeKeys.For"/>), once kept.</param>
/// <param name="ImageUri">
/// An image function's good image, by its exact digest (<c>repository@sha256:…</c>, GetFunction's ResolvedImageUri):
/// the store keeps no copy of an image, ECR does, and a digest is the one name a later push cannot move. Null for zips.
/// </param>
/// <param name="ImageConfig">
/// An image function's ImageConfig it passed with (EntryPoint, Command, WorkingDirectory; each null when the function
/// does not override it, so an image without overrides records an object of nulls). Null for zips, and for image records
/// written before Guard kept it: a rollback then leaves the function's ImageConfig as it is.
/// </param>
public sealed record DeployRecord(
    string FunctionArn,
    string CodeSha256,
    long CodeSize,
    string Verdict,
    string CheckedAt,
    string? EventName,
    string? EventTime,
    string? DeployedBy,
    string? Account = null,
    string? Region = null,
    string? FunctionName = null,
    string? Runtime = null,
    string? Handler = null,
    IReadOnlyList<string>? Architectures = null,
    IReadOnlyList<string>? Layers = null,
    string? CodeBucket = null,
    string? CodeKey = null,
    string? ImageUri = null,
    Guard.Inspection.Images.FunctionImageConfig? ImageConfig = null)
{
    /// <summary>The record of an image function's code (<see cref="ImageUri"/>), which has no runtime, handler or layers.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsImage => ImageUri is not null;
}
