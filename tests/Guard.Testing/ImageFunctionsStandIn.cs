using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Inspection.Images;

namespace Guard.Testing;

/// <summary>
/// Lambda's container-image functions, shaped after GetFunction and UpdateFunctionCode: <c>Code.ImageUri</c> as the
/// deploy named it, <c>Code.ResolvedImageUri</c> pinned to the digest, <c>CodeSha256</c> the digest's hex; an update
/// takes an <c>ImageUri</c> (an S3 object is refused, as Lambda refuses one for an image function) with optional
/// <c>Architectures</c>, an UpdateFunctionConfiguration replaces the ImageConfig whole, and one naming a stale RevisionId
/// fails with <c>PreconditionFailedException</c>. Reserved concurrency and tags are kept. moto stubs image functions (its CodeSha256 is a hash of the URI string, and its
/// ResolvedImageUri of a digest reference is malformed), hence this stand-in.
/// </summary>
public sealed class ImageFunctionsStandIn : ILambdaApi
{
    public const string Account = FunctionCatalogStandIn.Account;

    public const string Region = FunctionCatalogStandIn.Region;

    private readonly ConcurrentDictionary<string, FunctionDetails> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Function, FunctionCodeUpdate Update)> _codeUpdates = new();
    private readonly ConcurrentQueue<(string Function, FunctionConfigurationUpdate Update)> _configurationUpdates = new();

    public IReadOnlyList<(string Function, FunctionCodeUpdate Update)> CodeUpdates => [.. _codeUpdates];

    public ConcurrentDictionary<string, int> Concurrency { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<(string Function, FunctionConfigurationUpdate Update)> ConfigurationUpdates => [.. _configurationUpdates];

    /// <summary>Runs once, before the next update is applied: someone else's deploy landing between Guard's read and write.</summary>
    public Func<string, CancellationToken, Task>? BeforeUpdate { get; set; }

    /// <summary>Creates (or redeploys) <paramref name="name"/> running <paramref name="pinned"/> (<c>repository@sha256:HEX</c>).</summary>
    /// <param name="named">The ImageUri as the deploy named it (a tag); the pinned reference when null.</param>
    public FunctionDetails Deploy(string name, string pinned, string architecture = "x86_64", FunctionImageConfig? imageConfig = null, string? named = null)
    {
        var arn = $"arn:aws:lambda:{Region}:{Account}:function:{name}";
        var configuration = new FunctionConfiguration(
            name, arn, null, null, [architecture], [], "Image", HexOf(pinned), 0, Guid.NewGuid().ToString(), "Active", "Successful", "$LATEST",
            $"arn:aws:iam::{Account}:role/r")
        {
            ImageConfig = imageConfig,
        };
        return Store(new FunctionDetails(configuration, null, "ECR", named ?? pinned, _functions.TryGetValue(name, out var old) ? old.Tags : new Dictionary<string, string>())
        {
            ResolvedImageUri = pinned,
        });
    }

    public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken) =>
        _functions.TryGetValue(functionNameOrArn, out var details)
            ? Task.FromResult(details)
            : throw new FunctionNotFoundException(functionNameOrArn, new AwsServiceException("ResourceNotFoundException", 404, "Function not found"));

    public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) =>
        throw new AwsServiceException("ResourceNotFoundException", 404, "image functions have no layers");

    public async IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var function in _functions.Where(f => !f.Key.StartsWith("arn:", StringComparison.Ordinal)).Select(f => f.Value))
        {
            yield return function.Configuration;
        }
    }

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(
        string functionName, string s3Bucket, string s3Key, string? s3ObjectVersion, string? revisionId, CancellationToken cancellationToken) =>
        UpdateFunctionCodeAsync(functionName, new FunctionCodeUpdate(s3Bucket, s3Key, s3ObjectVersion, revisionId), cancellationToken);

    public async Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken)
    {
        _codeUpdates.Enqueue((functionName, update));
        var current = await BeforeAsync(functionName, update.RevisionId, cancellationToken);
        if (update.ImageUri is not { } image)
        {
            throw new AwsServiceException("InvalidParameterValueException", 400, "Please provide ImageUri when updating a function with packageType Image.");
        }

        // Lambda resolves a tag to the digest it names; the stand-in is given digests.
        var configuration = current.Configuration;
        return Deploy(functionName, image, update.Architectures?[0] ?? configuration.Architectures[0], configuration.ImageConfig).Configuration;
    }

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(
        string functionName, string? runtime, string? handler, IReadOnlyList<string>? layers, string? revisionId, CancellationToken cancellationToken) =>
        UpdateFunctionConfigurationAsync(functionName, new FunctionConfigurationUpdate(runtime, handler, layers, revisionId), cancellationToken);

    /// <summary>An ImageConfig replaces the function's whole, as Lambda's does; one with no field set leaves none (GetFunction then reports no ImageConfigResponse).</summary>
    public async Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken)
    {
        _configurationUpdates.Enqueue((functionName, update));
        var current = await BeforeAsync(functionName, update.RevisionId, cancellationToken);
        if (update.ImageConfig is not { } imageConfig)
        {
            return current.Configuration;
        }

        var configuration = current.Configuration with
        {
            RevisionId = Guid.NewGuid().ToString(),
            ImageConfig = imageConfig is { EntryPoint: null, Command: null, WorkingDirectory: null } ? null : imageConfig,
        };
        return Store(current with { Configuration = configuration }).Configuration;
    }

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken)
    {
        Concurrency[functionName] = reservedConcurrentExecutions;
        return Task.FromResult(reservedConcurrentExecutions);
    }

    public async Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var function = await GetFunctionAsync(functionArn, cancellationToken);
        var merged = new Dictionary<string, string>(function.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }

        Store(function with { Tags = merged });
    }

    /// <summary>The digest's hex: Lambda's CodeSha256 of an image function.</summary>
    public static string HexOf(string pinned) => pinned[(pinned.IndexOf("@sha256:", StringComparison.Ordinal) + "@sha256:".Length)..];

    private FunctionDetails Store(FunctionDetails details)
    {
        _functions[details.Configuration.FunctionName] = details;
        _functions[details.Configuration.FunctionArn] = details;
        return details;
    }

    private async Task<FunctionDetails> BeforeAsync(string functionName, string? revisionId, CancellationToken cancellationToken)
    {
        if (BeforeUpdate is { } hook)
        {
            BeforeUpdate = null;
            await hook(functionName, cancellationToken);
        }

        var current = await GetFunctionAsync(functionName, cancellationToken);
        if (revisionId is not null && !string.Equals(revisionId, current.Configuration.RevisionId, StringComparison.Ordinal))
        {
            throw new AwsServiceException(
                "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }

        return current;
    }
}
