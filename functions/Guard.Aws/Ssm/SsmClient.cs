using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Guard.Aws.Http;

namespace Guard.Aws.Ssm;

/// <summary>
/// SSM <c>GetParameter</c> over signed HTTP (JSON 1.1: a POST naming the operation in <c>X-Amz-Target</c>), the one
/// SSM call Guard makes. Not AWSSDK.SimpleSystemsManagement, for the reason <see cref="S3.S3Client"/> gives.
/// </summary>
public sealed class SsmClient : IDisposable
{
    private static readonly MediaTypeHeaderValue AmzJson = new("application/x-amz-json-1.1");

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
        var body = JsonSerializer.SerializeToUtf8Bytes(new GetParameterRequest(name, WithDecryption: true), SsmJsonContext.Default.GetParameterRequest);
        AwsHttpResponse response;
        try
        {
            response = await _pipeline.SendAsync(AwsActions.SsmGetParameter, () =>
            {
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = AmzJson;
                var message = new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = content };
                message.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSSM.GetParameter");
                return message;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            // SSM's "ParameterNotFound" rarely says which parameter; the operator needs the name.
            throw new AwsServiceException(e.ErrorCode, e.StatusCode, $"parameter {name}: {e.ServiceMessage}", e.Action, e.RequestId, e);
        }

        GetParameterResponse? wire;
        try
        {
            wire = JsonSerializer.Deserialize(response.Body, SsmJsonContext.Default.GetParameterResponse);
        }
        catch (JsonException e)
        {
            // Not the body: it may hold the secret.
            throw new AwsServiceException("MalformedResponse", response.StatusCode, $"parameter {name}: answer is not the expected JSON", AwsActions.SsmGetParameter, response.RequestId, e);
        }

        return wire?.Parameter?.Value
            ?? throw new AwsServiceException("MalformedResponse", response.StatusCode, $"parameter {name}: answer has no value", AwsActions.SsmGetParameter, response.RequestId, null);
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
