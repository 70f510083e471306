namespace Guard.Aws.Lambda;

/// <summary>
/// The Lambda control-plane operations Guard uses (API version 2015-03-31). Failures surface as
/// <see cref="Http.AwsServiceException"/>; a missing function as <see cref="FunctionNotFoundException"/>.
/// </summary>
public interface ILambdaApi
{
    /// <summary>GET /2015-03-31/functions/{name}.</summary>
    Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken);

    /// <summary>
    /// GET /2015-03-31/functions/{name}?Qualifier={qualifier}: a published version (<c>3</c>, <c>$LATEST.PUBLISHED</c>)
    /// rather than <c>$LATEST</c>; null is <c>$LATEST</c>. Stand-ins that predate it look up "{name}:{qualifier}".
    /// </summary>
    Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, string? qualifier, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(qualifier)
            ? GetFunctionAsync(functionNameOrArn, cancellationToken)
            : GetFunctionAsync($"{functionNameOrArn}:{qualifier}", cancellationToken);

    /// <summary>GET /2018-10-31/layers?find=LayerVersion&amp;Arn={arn}. A missing layer is a plain AwsServiceException.</summary>
    Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken);

    /// <summary>Every function's $LATEST configuration, page by page (following NextMarker).</summary>
    IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync(CancellationToken cancellationToken);

    /// <summary>PUT /2015-03-31/functions/{name}/code from an S3 object; <paramref name="revisionId"/> guards against a concurrent update.</summary>
    Task<FunctionConfiguration> UpdateFunctionCodeAsync(
        string functionName, string s3Bucket, string s3Key, string? s3ObjectVersion, string? revisionId, CancellationToken cancellationToken);

    /// <summary>
    /// PUT /2015-03-31/functions/{name}/code from an S3 object or an image, optionally with <c>Architectures</c> — the
    /// only call that changes a function's architecture. Implementations that predate it pass through to the overload
    /// above for an S3 object without an architecture.
    /// </summary>
    Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) =>
        (update ?? throw new ArgumentNullException(nameof(update))) is { Architectures: null, ImageUri: null, S3Bucket: { } bucket, S3Key: { } key }
            ? UpdateFunctionCodeAsync(functionName, bucket, key, update.S3ObjectVersion, update.RevisionId, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} cannot change a function's architecture or image");

    /// <summary>PUT /2015-03-31/functions/{name}/configuration; null arguments are left unchanged, an empty layer list removes all layers.</summary>
    Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(
        string functionName, string? runtime, string? handler, IReadOnlyList<string>? layers, string? revisionId, CancellationToken cancellationToken);

    /// <summary>
    /// PUT /2015-03-31/functions/{name}/configuration, also with an image function's ImageConfig — which only this
    /// overload sends. Implementations that predate it pass through to the overload above when no ImageConfig is given.
    /// </summary>
    Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken) =>
        (update ?? throw new ArgumentNullException(nameof(update))) is { ImageConfig: null }
            ? UpdateFunctionConfigurationAsync(functionName, update.Runtime, update.Handler, update.Layers, update.RevisionId, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} cannot change a function's ImageConfig");

    /// <summary>PUT /2017-10-31/functions/{name}/concurrency; 0 stops all invocations.</summary>
    Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken);

    /// <summary>
    /// GET /2017-03-31/tags/{arn}: the function's tags, or an error when the caller may not read them — unlike GetFunction,
    /// which leaves <see cref="FunctionDetails.Tags"/> empty without lambda:ListTags. Stand-ins that predate it answer from GetFunction.
    /// </summary>
    async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellationToken) =>
        (await GetFunctionAsync(functionArn, cancellationToken).ConfigureAwait(false)).Tags;

    /// <summary>POST /2017-03-31/tags/{arn}.</summary>
    Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);
}
