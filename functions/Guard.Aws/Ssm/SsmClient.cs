using System.Text.Json.Serialization;
using Guard.Aws.Http;

namespace Guard.Aws.Ssm;

/// <summary>
/// SSM <c>GetParameter</c> over signed HTTP (JSON 1.1: a POST naming the operation in <c>X-Amz-Target</c>), the one
/// SSM call Guard makes. Not AWSSDK.SimpleSystemsManagement, for the reason <see cref="S3.S3Client"/> gives.
/// </summary>
public sealed class SsmClient : IDisposable
{
    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.Ssm"/> with <see cref="AwsErrorProtocol.RestJson"/>; the client owns it.</param>
    public SsmClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static SsmClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Ssm, AwsErrorProtocol.RestJson, credentials, retry, transport));

    /// <summary>The parameter's value, decrypted when it is a SecureString.</summary>
    /// <exception cref="AwsServiceException">E.g. <c>ParameterNotFound</c>, <c>AccessDeniedException</c>; never carries the value.</exception>
    public async Task<string> GetDecryptedParameterAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        try
        {
            var (wire, status, requestId) = await _pipeline.SendJsonAsync(
                AwsActions.SsmGetParameter, "AmazonSSM.GetParameter", new GetParameterRequest(name, WithDecryption: true),
                SsmJsonContext.Default.GetParameterRequest, SsmJsonContext.Default.GetParameterResponse, cancellationToken).ConfigureAwait(false);
            return wire.Parameter?.Value
                ?? throw new AwsServiceException("MalformedResponse", status, "answer has no value", AwsActions.SsmGetParameter, requestId, null);
        }
        catch (AwsServiceException e)
        {
            // SSM's "ParameterNotFound" rarely says which parameter; the operator needs the name (never the value).
            throw new AwsServiceException(e.ErrorCode, e.StatusCode, $"parameter {name}: {e.ServiceMessage}", e.Action, e.RequestId, e);
        }
    }

    public void Dispose() => _pipeline.Dispose();
}

internal sealed record GetParameterRequest(string Name, bool WithDecryption);

internal sealed record GetParameterResponse(ParameterWire? Parameter);

internal sealed record ParameterWire(string? Name, string? Type, string? Value);

/// <summary>Source-generated JSON for the SSM wire types (no reflection: Native AOT).</summary>
[JsonSerializable(typeof(GetParameterRequest))]
[JsonSerializable(typeof(GetParameterResponse))]
internal sealed partial class SsmJsonContext : JsonSerializerContext;
