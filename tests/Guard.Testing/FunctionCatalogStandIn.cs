using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Aws.Lambda;

namespace Guard.Testing;

/// <summary>An <see cref="ILambdaApi"/> that answers GetFunction/GetLayerVersionByArn from functions it was given; counts calls.</summary>
public sealed class FunctionCatalogStandIn : ILambdaApi
{
    /// <summary>Where the functions live (the test events' account and region).</summary>
    public const string Account = "266106314375";

    public const string Region = "us-east-1";

    private readonly ConcurrentDictionary<string, FunctionDetails> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LayerVersionContent> _layers = new(StringComparer.Ordinal);

    private int _getFunctionCalls;

    public int GetFunctionCalls => Volatile.Read(ref _getFunctionCalls);

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
        string handler = "bootstrap",
        Guard.Aws.PackageLocation.S3Object? referencedCode = null)
    {
        var arn = $"arn:aws:lambda:{Region}:{Account}:function:{name}";
        var configuration = new FunctionConfiguration(
            name, arn, runtime, handler, [architecture],
            (layers ?? []).Select(l => new LayerReference(l, 100)).ToArray(),
            packageType, Sha256(zip), zip.Length, Guid.NewGuid().ToString(), "Active", "Successful", "$LATEST", $"arn:aws:iam::{Account}:role/r");
        // S3ObjectStorageMode REFERENCE: GetFunction names the customer's object version instead of a presigned URL.
        var location = referencedCode is null ? $"https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/{name}?X-Amz-Signature=secret" : null;
        var details = new FunctionDetails(configuration, location, "S3", null, tags ?? new Dictionary<string, string>(), referencedCode);
        _functions[name] = details;
        _functions[arn] = details;
        return details;
    }

    /// <summary>
    /// Publishes <paramref name="zip"/> as <paramref name="version"/> of <paramref name="name"/> (added first): GetFunction
    /// with that qualifier answers it, at a Code.Location of its own; <c>$LATEST</c> is left as it is.
    /// </summary>
    public FunctionDetails AddVersion(string name, string version, byte[] zip)
    {
        var latest = _functions[name];
        var arn = $"{latest.Configuration.FunctionArn}:{version}";
        var details = latest with
        {
            Configuration = latest.Configuration with { FunctionArn = arn, CodeSha256 = Sha256(zip), CodeSize = zip.Length, Version = version, RevisionId = Guid.NewGuid().ToString() },
            CodeLocation = $"https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/{name}-{Uri.EscapeDataString(version)}?X-Amz-Signature=secret",
        };
        _functions[$"{name}:{version}"] = details;
        _functions[arn] = details;
        return details;
    }

    /// <summary>
    /// Registers a <c>PackageType: Image</c> function as Lambda describes one: no runtime or handler, Code.ImageUri as
    /// deployed and ResolvedImageUri pinned to the digest, CodeSha256 the digest's hex (not base64, as for a zip).
    /// </summary>
    public FunctionDetails AddImage(
        string name,
        string imageUri,
        string resolvedImageUri,
        string architecture = "x86_64",
        Guard.Inspection.Images.FunctionImageConfig? imageConfig = null,
        IReadOnlyDictionary<string, string>? tags = null)
    {
        var arn = $"arn:aws:lambda:{Region}:{Account}:function:{name}";
        var digest = resolvedImageUri[(resolvedImageUri.LastIndexOf('@') + "@sha256:".Length)..];
        var configuration = new FunctionConfiguration(
            name, arn, null, null, [architecture], [], "Image", digest, 0, Guid.NewGuid().ToString(), "Active", "Successful", "$LATEST", $"arn:aws:iam::{Account}:role/r")
        {
            ImageConfig = imageConfig,
        };
        var details = new FunctionDetails(configuration, null, "ECR", imageUri, tags ?? new Dictionary<string, string>()) { ResolvedImageUri = resolvedImageUri };
        _functions[name] = details;
        _functions[arn] = details;
        return details;
    }

    /// <summary>Changes what GetFunction answers for <paramref name="nameOrQualifiedName"/> (e.g. Lambda failed it), under its name and its ARN.</summary>
    public void Change(string nameOrQualifiedName, Func<FunctionConfiguration, FunctionConfiguration> change)
    {
        var details = _functions[nameOrQualifiedName];
        var changed = details with { Configuration = change(details.Configuration) };
        _functions[nameOrQualifiedName] = changed;
        _functions[details.Configuration.FunctionArn] = changed;
    }

    public void AddLayer(string arn, string location) => _layers[arn] = new LayerVersionContent(arn, location, "sha", 100);

    public static string Sha256(byte[] bytes) => Convert.ToBase64String(SHA256.HashData(bytes));

    public Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _getFunctionCalls);
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

    public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Guard's deploy check never updates code");

    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken) =>
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
