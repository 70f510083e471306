using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Guard.Aws.Http;
using Guard.Inspection.Images;

namespace Guard.Aws.Lambda;

/// <summary>
/// <see cref="ILambdaApi"/> over signed HTTP (REST-JSON, https://docs.aws.amazon.com/lambda/latest/api/): AWSSDK.Lambda is not available
/// here, and Guard needs only these few operations.
/// </summary>
public sealed class LambdaClient : ILambdaApi, IDisposable
{
    private const string DefaultArchitecture = "x86_64";
    private const string DefaultPackageType = "Zip";
    private const int ListPageSize = 50;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.Lambda"/> with <see cref="AwsErrorProtocol.RestJson"/>; the client owns it.</param>
    public LambdaClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static LambdaClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Lambda, AwsErrorProtocol.RestJson, credentials, retry, transport));

    public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken) =>
        GetFunctionAsync(functionNameOrArn, qualifier: null, cancellationToken);

    public async Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, string? qualifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionNameOrArn);
        // Qualifier as a query parameter, as the API reference gives it: "$LATEST.PUBLISHED" is no valid suffix of a name.
        var path = $"2015-03-31/functions/{Escape(functionNameOrArn)}" + (string.IsNullOrEmpty(qualifier) ? "" : $"?Qualifier={Escape(qualifier)}");
        var response = await ForFunction(functionNameOrArn, () => SendAsync(
            AwsActions.LambdaGetFunction, HttpMethod.Get, path, cancellationToken)).ConfigureAwait(false);

        var wire = Read(response, LambdaJsonContext.Default.GetFunctionResponse, AwsActions.LambdaGetFunction);
        return new FunctionDetails(
            ToConfiguration(wire.Configuration, AwsActions.LambdaGetFunction),
            wire.Code?.Location,
            wire.Code?.RepositoryType,
            wire.Code?.ImageUri,
            wire.Tags ?? new Dictionary<string, string>(StringComparer.Ordinal),
            ReferencedObject(wire.Code?.ResolvedS3Object),
            wire.Code?.Error is { } error && (error.ErrorCode is { Length: > 0 } || error.Message is { Length: > 0 })
                ? string.Join(": ", new[] { error.ErrorCode, error.Message }.Where(part => !string.IsNullOrEmpty(part)))
                : null)
        {
            ResolvedImageUri = wire.Code?.ResolvedImageUri,
        };
    }

    /// <summary>
    /// A REFERENCE function's object; null when Lambda names no bucket or key (nothing Guard could read). A missing version
    /// is kept as null: the inspector then declines to guess which version Lambda runs.
    /// </summary>
    private static PackageLocation.S3Object? ReferencedObject(ResolvedS3ObjectWire? resolved) =>
        resolved is { S3Bucket: { Length: > 0 } bucket, S3Key: { Length: > 0 } key }
            ? new PackageLocation.S3Object(bucket, key, string.IsNullOrEmpty(resolved.S3ObjectVersion) ? null : resolved.S3ObjectVersion)
            : null;

    public async Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(layerVersionArn);
        var response = await SendAsync(
            AwsActions.LambdaGetLayerVersion, HttpMethod.Get, $"2018-10-31/layers?find=LayerVersion&Arn={Escape(layerVersionArn)}", cancellationToken)
            .ConfigureAwait(false);

        var wire = Read(response, LambdaJsonContext.Default.GetLayerVersionResponse, AwsActions.LambdaGetLayerVersion);
        if (wire.LayerVersionArn is null && wire.Content is null)
        {
            // What moto 5 answers to this request: it ignores find=LayerVersion and lists layers instead.
            throw Malformed(AwsActions.LambdaGetLayerVersion, response, "response has neither LayerVersionArn nor Content");
        }

        return new LayerVersionContent(wire.LayerVersionArn ?? layerVersionArn, wire.Content?.Location, wire.Content?.CodeSha256, wire.Content?.CodeSize ?? 0);
    }

    public async IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? marker = null;
        do
        {
            var path = $"2015-03-31/functions/?MaxItems={ListPageSize}" + (marker is null ? "" : $"&Marker={Escape(marker)}");
            var response = await SendAsync(AwsActions.LambdaListFunctions, HttpMethod.Get, path, cancellationToken).ConfigureAwait(false);
            var page = Read(response, LambdaJsonContext.Default.ListFunctionsResponse, AwsActions.LambdaListFunctions);
            foreach (var function in page.Functions ?? [])
            {
                yield return ToConfiguration(function, AwsActions.LambdaListFunctions);
            }

            marker = string.IsNullOrEmpty(page.NextMarker) ? null : page.NextMarker;
        }
        while (marker is not null);
    }

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(
        string functionName, string s3Bucket, string s3Key, string? s3ObjectVersion, string? revisionId, CancellationToken cancellationToken) =>
        UpdateFunctionCodeAsync(functionName, new FunctionCodeUpdate(s3Bucket, s3Key, s3ObjectVersion, revisionId), cancellationToken);

    public async Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentNullException.ThrowIfNull(update);
        if (update.ImageUri is null)
        {
            ArgumentException.ThrowIfNullOrEmpty(update.S3Bucket);
            ArgumentException.ThrowIfNullOrEmpty(update.S3Key);
        }
        else if (update.S3Bucket is not null || update.S3Key is not null)
        {
            throw new ArgumentException("UpdateFunctionCode takes an image or an S3 object, not both", nameof(update));
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new UpdateFunctionCodeRequest
            {
                ImageUri = update.ImageUri,
                S3Bucket = update.S3Bucket,
                S3Key = update.S3Key,
                S3ObjectVersion = update.S3ObjectVersion,
                RevisionId = update.RevisionId,
                Architectures = update.Architectures?.ToList(),
            },
            LambdaJsonContext.Default.UpdateFunctionCodeRequest);
        var response = await ForFunction(functionName, () => SendAsync(
            AwsActions.LambdaUpdateFunctionCode, HttpMethod.Put, $"2015-03-31/functions/{Escape(functionName)}/code", cancellationToken, body)).ConfigureAwait(false);
        return ToConfiguration(Read(response, LambdaJsonContext.Default.FunctionConfigurationWire, AwsActions.LambdaUpdateFunctionCode), AwsActions.LambdaUpdateFunctionCode);
    }

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(
        string functionName, string? runtime, string? handler, IReadOnlyList<string>? layers, string? revisionId, CancellationToken cancellationToken) =>
        UpdateFunctionConfigurationAsync(functionName, new FunctionConfigurationUpdate(runtime, handler, layers, revisionId), cancellationToken);

    public async Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentNullException.ThrowIfNull(update);

        // The Lambda API reference's ImageConfig (https://docs.aws.amazon.com/lambda/latest/dg/API_ImageConfig.html) makes
        // EntryPoint, Command and WorkingDirectory each optional, and UpdateFunctionConfiguration replaces the function's
        // ImageConfig with the object given rather than merging it: a field left out is cleared, and ImageConfig {} leaves
        // ImageConfigResponse absent from GetFunction (measured: go-to-k/cdkd#1600). Null fields are left out (WhenWritingNull).
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new UpdateFunctionConfigurationRequest
            {
                Runtime = update.Runtime,
                Handler = update.Handler,
                Layers = update.Layers?.ToList(),
                RevisionId = update.RevisionId,
                ImageConfig = update.ImageConfig is { } image
                    ? new ImageConfigWire { EntryPoint = image.EntryPoint?.ToList(), Command = image.Command?.ToList(), WorkingDirectory = image.WorkingDirectory }
                    : null,
            },
            LambdaJsonContext.Default.UpdateFunctionConfigurationRequest);
        var response = await ForFunction(functionName, () => SendAsync(
            AwsActions.LambdaUpdateFunctionConfiguration, HttpMethod.Put, $"2015-03-31/functions/{Escape(functionName)}/configuration", cancellationToken, body)).ConfigureAwait(false);
        return ToConfiguration(
            Read(response, LambdaJsonContext.Default.FunctionConfigurationWire, AwsActions.LambdaUpdateFunctionConfiguration), AwsActions.LambdaUpdateFunctionConfiguration);
    }

    public async Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentOutOfRangeException.ThrowIfNegative(reservedConcurrentExecutions);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new FunctionConcurrency { ReservedConcurrentExecutions = reservedConcurrentExecutions }, LambdaJsonContext.Default.FunctionConcurrency);
        var response = await ForFunction(functionName, () => SendAsync(
            AwsActions.LambdaPutFunctionConcurrency, HttpMethod.Put, $"2017-10-31/functions/{Escape(functionName)}/concurrency", cancellationToken, body)).ConfigureAwait(false);
        var answer = Read(response, LambdaJsonContext.Default.FunctionConcurrency, AwsActions.LambdaPutFunctionConcurrency);
        return answer.ReservedConcurrentExecutions ?? reservedConcurrentExecutions;
    }

    public async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionArn);
        var response = await ForFunction(functionArn, () => SendAsync(
            AwsActions.LambdaListTags, HttpMethod.Get, $"2017-03-31/tags/{Escape(functionArn)}", cancellationToken)).ConfigureAwait(false);
        return Read(response, LambdaJsonContext.Default.ListTagsResponse, AwsActions.LambdaListTags).Tags ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public async Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionArn);
        ArgumentNullException.ThrowIfNull(tags);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new TagResourceRequest { Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal) }, LambdaJsonContext.Default.TagResourceRequest);
        await ForFunction(functionArn, () => SendAsync(
            AwsActions.LambdaTagResource, HttpMethod.Post, $"2017-03-31/tags/{Escape(functionArn)}", cancellationToken, body)).ConfigureAwait(false);
    }

    public void Dispose() => _pipeline.Dispose();

    private Task<AwsHttpResponse> SendAsync(string action, HttpMethod method, string relativeUri, CancellationToken cancellationToken, byte[]? jsonBody = null) =>
        _pipeline.SendAsync(
            action,
            () =>
            {
                var request = new HttpRequestMessage(method, new Uri(relativeUri, UriKind.Relative));
                if (jsonBody is not null)
                {
                    request.Content = new ByteArrayContent(jsonBody) { Headers = { ContentType = Json } };
                }

                return request;
            },
            cancellationToken);

    private static async Task<AwsHttpResponse> ForFunction(string functionName, Func<Task<AwsHttpResponse>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            throw new FunctionNotFoundException(functionName, e);
        }
    }

    private static T Read<T>(AwsHttpResponse response, JsonTypeInfo<T> type, string action)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body, type) ?? throw Malformed(action, response, "empty JSON body");
        }
        catch (JsonException e)
        {
            throw new AwsServiceException("MalformedResponse", response.StatusCode, $"response is not the expected JSON ({e.Message})", action, response.RequestId, e);
        }
    }

    private static FunctionConfiguration ToConfiguration(FunctionConfigurationWire? wire, string action)
    {
        if (wire?.FunctionName is not { Length: > 0 } name || wire.FunctionArn is not { Length: > 0 } arn)
        {
            throw new AwsServiceException("MalformedResponse", 200, "function configuration lacks FunctionName or FunctionArn", action, null, null);
        }

        return new FunctionConfiguration(
            name,
            arn,
            wire.Runtime,
            wire.Handler,
            wire.Architectures is { Count: > 0 } architectures ? architectures : [DefaultArchitecture],
            (wire.Layers ?? []).Where(l => !string.IsNullOrEmpty(l.Arn)).Select(l => new LayerReference(l.Arn!, l.CodeSize)).ToList(),
            string.IsNullOrEmpty(wire.PackageType) ? DefaultPackageType : wire.PackageType,
            wire.CodeSha256 ?? "",
            wire.CodeSize,
            wire.RevisionId,
            wire.State,
            wire.LastUpdateStatus,
            wire.Version,
            wire.Role,
            wire.Environment?.Error is not null ? null : new Guard.Inspection.FunctionEnvironment(wire.Environment?.Variables?.LdLibraryPath),
            wire.StateReason,
            wire.StateReasonCode,
            wire.LastUpdateStatusReason,
            wire.LastUpdateStatusReasonCode)
        {
            ImageConfig = wire.ImageConfigResponse?.ImageConfig is { } image
                ? new Guard.Inspection.Images.FunctionImageConfig(image.EntryPoint, image.Command, image.WorkingDirectory)
                : null,
        };
    }

    private static AwsServiceException Malformed(string action, AwsHttpResponse response, string detail) =>
        new("MalformedResponse", response.StatusCode, detail, action, response.RequestId, null);

    // Names and ARNs go into a path segment or query value; ':' in an ARN becomes %3A as the SDKs send it.
    private static string Escape(string value) => Uri.EscapeDataString(value);
}
