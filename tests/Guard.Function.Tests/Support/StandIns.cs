using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Rollback;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>An <see cref="ILambdaApi"/> that answers GetFunction/GetLayerVersionByArn from functions it was given; counts calls.</summary>
public sealed class FunctionCatalogStandIn : ILambdaApi
{
    private readonly ConcurrentDictionary<string, FunctionDetails> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LayerVersionContent> _layers = new(StringComparer.Ordinal);

    public int GetFunctionCalls { get; private set; }

    /// <summary>When set, every GetFunction throws it.</summary>
    public Exception? FailWith { get; set; }

    public FunctionDetails Add(
        string name,
        byte[] zip,
        string runtime = "provided.al2023",
        string architecture = "x86_64",
        string packageType = "Zip",
        IReadOnlyDictionary<string, string>? tags = null,
        IReadOnlyList<string>? layers = null,
        string handler = "bootstrap")
    {
        var arn = $"arn:aws:lambda:{CloudTrailEvents.Region}:{CloudTrailEvents.Account}:function:{name}";
        var configuration = new FunctionConfiguration(
            name, arn, runtime, handler, [architecture],
            (layers ?? []).Select(l => new LayerReference(l, 100)).ToArray(),
            packageType, Sha256(zip), zip.Length, Guid.NewGuid().ToString(), "Active", "Successful", "$LATEST", $"arn:aws:iam::{CloudTrailEvents.Account}:role/r");
        var details = new FunctionDetails(configuration, $"https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/{name}?X-Amz-Signature=secret", "S3", null, tags ?? new Dictionary<string, string>());
        _functions[name] = details;
        _functions[arn] = details;
        return details;
    }

    public void AddLayer(string arn, string location) => _layers[arn] = new LayerVersionContent(arn, location, "sha", 100);

    public static string Sha256(byte[] bytes) => Convert.ToBase64String(SHA256.HashData(bytes));

    public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
    {
        GetFunctionCalls++;
        if (FailWith is { } failure)
        {
            throw failure;
        }

        return _functions.TryGetValue(functionNameOrArn, out var details)
            ? Task.FromResult(details)
            : throw new FunctionNotFoundException(functionNameOrArn, new AwsServiceException("ResourceNotFoundException", 404, "Function not found"));
    }

    public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) =>
        _layers.TryGetValue(layerVersionArn, out var layer) ? Task.FromResult(layer) : throw new AwsServiceException("ResourceNotFoundException", 404, "no layer");

    public IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync(CancellationToken cancellationToken) => Empty(cancellationToken);

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, string s3Bucket, string s3Key, string? s3ObjectVersion, string? revisionId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Guard's deploy check never updates code");

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, string? runtime, string? handler, IReadOnlyList<string>? layers, string? revisionId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Guard's deploy check never updates configuration");

    public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    private static async IAsyncEnumerable<FunctionConfiguration> Empty([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }
}

/// <summary>An <see cref="ISnsPublisher"/> that records what would have been published.</summary>
public sealed class RecordingSnsPublisher : ISnsPublisher
{
    private readonly ConcurrentQueue<SnsPublishRequest> _published = new();

    public IReadOnlyList<SnsPublishRequest> Published => [.. _published];

    public Exception? FailWith { get; set; }

    public Task<string> PublishAsync(SnsPublishRequest request, CancellationToken cancellationToken)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        _published.Enqueue(request);
        return Task.FromResult(Guid.NewGuid().ToString());
    }
}

/// <summary>An <see cref="IDeployStore"/> in a dictionary keyed like the S3 store.</summary>
public sealed class InMemoryDeployStore : IDeployStore
{
    public ConcurrentDictionary<string, DeployRecord> Objects { get; } = new(StringComparer.Ordinal);

    public Task<DeployRecord?> GetGoodAsync(FunctionKey function, CancellationToken cancellationToken) =>
        Task.FromResult(Objects.TryGetValue(function.GoodKey, out var record) ? record : null);

    public Task PutGoodAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[function.GoodKey] = record;
        return Task.CompletedTask;
    }

    public Task PutPendingAsync(FunctionKey function, DeployRecord record, CancellationToken cancellationToken)
    {
        Objects[function.PendingKey] = record;
        return Task.CompletedTask;
    }

    public Task DeletePendingAsync(FunctionKey function, CancellationToken cancellationToken)
    {
        Objects.TryRemove(function.PendingKey, out _);
        return Task.CompletedTask;
    }

    public ConcurrentDictionary<string, RollbackClaim> Claims { get; } = new(StringComparer.Ordinal);

    public Task<bool> TryClaimRollbackAsync(FunctionKey function, RollbackClaim claim, CancellationToken cancellationToken) =>
        Task.FromResult(Claims.TryAdd(function.RollbackKey(claim.BadRevisionId), claim));
}

/// <summary>An <see cref="IPackageOpener"/> that serves zips from memory by URL path (query ignored, like a presigned URL).</summary>
public sealed class InMemoryPackageOpener : IPackageOpener
{
    private readonly ConcurrentDictionary<string, byte[]> _packages = new(StringComparer.Ordinal);

    public int Opened { get; private set; }

    public void Serve(Uri location, byte[] zip) => _packages[location.AbsolutePath] = zip;

    public IRangeSource Open(Uri location)
    {
        Opened++;
        return _packages.TryGetValue(location.AbsolutePath, out var zip)
            ? new InMemoryRangeSource(zip, location.GetLeftPart(UriPartial.Path))
            : throw new PackageUnavailableException($"{location.GetLeftPart(UriPartial.Path)}: 404");
    }
}

/// <summary>An <see cref="ICodeStore"/> that records what it was asked to keep, and where the deploy said the code came from.</summary>
public sealed class RecordingCodeStore : ICodeStore
{
    private readonly ConcurrentQueue<(string CodeSha256, CodeOrigin? Origin)> _kept = new();

    public string Bucket => "guard-store";

    public IReadOnlyList<(string CodeSha256, CodeOrigin? Origin)> Kept => [.. _kept];

    public Task<StoredCode?> FindAsync(string codeSha256, CancellationToken cancellationToken) => Task.FromResult<StoredCode?>(null);

    public Task<StoredCode> KeepAsync(string codeSha256, long codeSize, Uri codeLocation, CodeOrigin? origin, CancellationToken cancellationToken)
    {
        _kept.Enqueue((codeSha256, origin));
        return Task.FromResult(new StoredCode(Bucket, CodeKeys.For(codeSha256), codeSha256));
    }

    public IRangeSource Open(StoredCode code) => throw new NotSupportedException("the deploy check only keeps code");
}
