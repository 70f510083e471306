using System.Text.Json;
using Guard.Aws;
using Guard.Aws.Http;
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
/// (UpdateFunctionConfiguration has none), and <see cref="ILambdaApi.UpdateFunctionCodeAsync"/> does not send it
/// yet. Without an architecture change this goes through <see cref="ILambdaApi"/>; with one it sends the same PUT
/// itself, with <c>Architectures</c>, through a signed pipeline.
/// </summary>
internal sealed class LambdaCodeUpdater(ILambdaApi lambda, Func<AwsHttpPipeline> createPipeline) : IFunctionCodeUpdater
{
    public async Task UpdateAsync(string functionName, string s3Bucket, string s3Key, string? revisionId, string? architecture, CancellationToken cancellationToken)
    {
        if (architecture is null)
        {
            await lambda.UpdateFunctionCodeAsync(functionName, s3Bucket, s3Key, null, revisionId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var body = Body(s3Bucket, s3Key, revisionId, architecture);
        using var pipeline = createPipeline();
        try
        {
            await pipeline.SendAsync(
                AwsActions.LambdaUpdateFunctionCode,
                () => new HttpRequestMessage(HttpMethod.Put, new Uri($"2015-03-31/functions/{Uri.EscapeDataString(functionName)}/code", UriKind.Relative))
                {
                    Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            throw new FunctionNotFoundException(functionName, e);
        }
    }

    internal static byte[] Body(string s3Bucket, string s3Key, string? revisionId, string architecture)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("S3Bucket", s3Bucket);
            writer.WriteString("S3Key", s3Key);
            if (revisionId is not null)
            {
                writer.WriteString("RevisionId", revisionId);
            }

            writer.WriteStartArray("Architectures");
            writer.WriteStringValue(architecture);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
