using Guard.Aws.Lambda;

namespace Guard.Cli.Migration;

/// <summary>UpdateFunctionCode from an S3 object, optionally moving the function to another architecture.</summary>
internal interface IFunctionCodeUpdater
{
    /// <param name="architecture">Lambda's name (<c>x86_64</c>, <c>arm64</c>) to switch to, or null to keep the function's.</param>
    Task UpdateAsync(string functionName, string s3Bucket, string s3Key, string? revisionId, string? architecture, CancellationToken cancellationToken);
}

/// <summary>
/// Lambda changes a function's architecture only through UpdateFunctionCode's <c>Architectures</c> field
/// (UpdateFunctionConfiguration has none), so the move and the new code go in one call.
/// </summary>
internal sealed class LambdaCodeUpdater(ILambdaApi lambda) : IFunctionCodeUpdater
{
    public Task UpdateAsync(string functionName, string s3Bucket, string s3Key, string? revisionId, string? architecture, CancellationToken cancellationToken) =>
        lambda.UpdateFunctionCodeAsync(
            functionName,
            new FunctionCodeUpdate(s3Bucket, s3Key, S3ObjectVersion: null, revisionId, architecture is null ? null : [architecture]),
            cancellationToken);
}
