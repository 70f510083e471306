using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Cli.Scanning;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// An account in a running moto_server, seeded through Guard's own signed pipeline (CreateRole, CreateFunction,
/// PublishLayerVersion, DeleteFunction are calls Guard never makes), plus the seams moto 5 needs:
/// <list type="bullet">
/// <item>moto's GetFunction <c>Code.Location</c> is not fetchable, so each function's zip is served at the same
/// path from a <see cref="LocalHttpServer"/>, and code Lambda took from S3 (a migration's staged package) is read
/// from moto's S3 at that key;</item>
/// <item>moto does not implement GetLayerVersionByArn, so <see cref="LambdaStandIn"/> answers it with a URL on the
/// same server.</item>
/// </list>
/// (A copy of the seeding in Guard.Aws.Tests' MotoAws, reduced to what these tests need, rather than moving that
/// class into Guard.Testing, which does not reference Guard.Aws.)
/// </summary>
internal sealed class ScanMotoAccount : IAsyncDisposable
{
    private const string CodeProperty = "Code";

    private static readonly AwsService Iam = new("iam", "IAM", "iam");

    private readonly AwsHttpPipeline _iam;
    private readonly Dictionary<string, AwsHttpPipeline> _lambda = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LambdaClient> _clients = new(StringComparer.Ordinal);
    private string? _roleArn;

    private ScanMotoAccount(MotoServer moto, LocalHttpServer code)
    {
        Moto = moto;
        Code = code;
        _iam = AwsHttpPipeline.Create(EnvironmentFor(MotoServer.Region), Iam, AwsErrorProtocol.Query, Credentials);
        S3 = PackageSourceFactory.CreateS3Client(EnvironmentFor(MotoServer.Region), Credentials);
    }

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials(MotoServer.AccessKeyId, MotoServer.SecretAccessKey);

    public MotoServer Moto { get; }

    public LocalHttpServer Code { get; }

    public IAmazonS3 S3 { get; }

    /// <summary>Layer ARN → URL of its zip on <see cref="Code"/>.</summary>
    public Dictionary<string, string> LayerLocations { get; } = new(StringComparer.Ordinal);

    /// <summary>The bucket a migration stages into; code Lambda took from it is read back from moto's S3.</summary>
    public string StageBucket { get; } = "guard-stage";

    public static async Task<ScanMotoAccount> StartAsync(CancellationToken cancellationToken)
    {
        var moto = await MotoServer.StartAsync(cancellationToken);
        var account = new ScanMotoAccount(moto, LocalHttpServer.Start());
        await account.S3.PutBucketAsync(account.StageBucket, cancellationToken);
        return account;
    }

    public AwsEnvironment EnvironmentFor(string region) =>
        AwsEnvironment.From(new Dictionary<string, string?>(Moto.EnvironmentVariables) { ["AWS_REGION"] = region });

    public LambdaClient Lambda(string region = MotoServer.Region)
    {
        if (!_clients.TryGetValue(region, out var client))
        {
            client = LambdaClient.Create(EnvironmentFor(region), Credentials);
            _clients[region] = client;
        }

        return client;
    }

    /// <summary>The connection guard scan/migrate use in these tests: moto for the API, the seams above for bytes.</summary>
    public AwsConnection Connection(Func<ILambdaApi, ILambdaApi>? wrap = null) => new(
        EnvironmentFor,
        () => Credentials,
        MotoServer.Region,
        OpenPackage,
        client => wrap?.Invoke(new LambdaStandIn(client, LayerLocations)) ?? new LambdaStandIn(client, LayerLocations));

    /// <summary>moto's Code.Location → the same path on <see cref="Code"/>, or the staged object in moto's S3.</summary>
    public IRangeSource OpenPackage(Uri location)
    {
        var path = Uri.UnescapeDataString(location.AbsolutePath);
        if (path.StartsWith("/guard-migrate/", StringComparison.Ordinal))
        {
            return new S3RangeSource(S3, StageBucket, path.TrimStart('/'));
        }

        return new HttpRangeSource(SharedHttp, location.Host == Code.BaseAddress.Host ? location : new Uri(Code.BaseAddress, location.AbsolutePath));
    }

    private static readonly HttpClient SharedHttp = new();

    public async Task<string> RoleAsync(CancellationToken cancellationToken)
    {
        if (_roleArn is not null)
        {
            return _roleArn;
        }

        var response = await _iam.SendAsync("iam:CreateRole", () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Action"] = "CreateRole",
                ["Version"] = "2010-05-08",
                ["RoleName"] = "guard-scan-role",
                ["AssumeRolePolicyDocument"] = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}""",
            }),
        }, cancellationToken);
        _roleArn = AwsXml.DescendantValue(AwsXml.TryLoad(response.Body), "Arn") ?? throw new InvalidOperationException("CreateRole returned no Arn");
        return _roleArn;
    }

    /// <summary>CreateFunction from <paramref name="zip"/>, then serves the same bytes where its Code.Location points.</summary>
    public async Task CreateZipFunctionAsync(
        string name, byte[] zip, string runtime, string architecture = "x86_64", string handler = "bootstrap",
        IReadOnlyList<string>? layers = null, string region = MotoServer.Region, CancellationToken cancellationToken = default)
    {
        var role = await RoleAsync(cancellationToken);
        await CreateAsync(region, w =>
        {
            w.WriteString("FunctionName", name);
            w.WriteString("Runtime", runtime);
            w.WriteString("Role", role);
            w.WriteString("Handler", handler);
            w.WriteStartObject(CodeProperty);
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
            w.WriteStartArray("Architectures");
            w.WriteStringValue(architecture);
            w.WriteEndArray();
            w.WriteStartArray("Layers");
            foreach (var layer in layers ?? [])
            {
                w.WriteStringValue(layer);
            }

            w.WriteEndArray();
        }, cancellationToken);
        await ServeCodeAsync(name, zip, region, cancellationToken);
    }

    /// <summary>Serves <paramref name="zip"/> at the path of the function's Code.Location (moto's is not fetchable).</summary>
    public async Task ServeCodeAsync(string name, byte[] zip, string region = MotoServer.Region, CancellationToken cancellationToken = default)
    {
        var details = await Lambda(region).GetFunctionAsync(name, cancellationToken);
        Code.Serve(Uri.UnescapeDataString(new Uri(details.CodeLocation!).AbsolutePath), zip);
    }

    public async Task CreateImageFunctionAsync(string name, CancellationToken cancellationToken)
    {
        var role = await RoleAsync(cancellationToken);
        await CreateAsync(MotoServer.Region, w =>
        {
            w.WriteString("FunctionName", name);
            w.WriteString("Role", role);
            w.WriteString("PackageType", "Image");
            w.WriteStartObject(CodeProperty);
            w.WriteString("ImageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:latest");
            w.WriteEndObject();
        }, cancellationToken);
    }

    /// <summary>PublishLayerVersion in moto (for a real layer ARN), its zip served on <see cref="Code"/> for the stand-in's GetLayerVersionByArn.</summary>
    public async Task<string> PublishLayerAsync(string name, byte[] zip, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteStartObject("Content");
            w.WriteBase64String("ZipFile", zip);
            w.WriteEndObject();
        });
        var response = await Pipeline(MotoServer.Region).SendAsync(
            "lambda:PublishLayerVersion", () => JsonRequest(HttpMethod.Post, $"2018-10-31/layers/{name}/versions", body), cancellationToken);
        using var document = JsonDocument.Parse(response.Body);
        var arn = document.RootElement.GetProperty("LayerVersionArn").GetString()!;
        LayerLocations[arn] = Code.Serve($"/layers/{name}.zip", zip).AbsoluteUri;
        return arn;
    }

    public async Task DeleteFunctionAsync(string name, CancellationToken cancellationToken) =>
        await Pipeline(MotoServer.Region).SendAsync(
            "lambda:DeleteFunction", () => new HttpRequestMessage(HttpMethod.Delete, new Uri($"2015-03-31/functions/{name}", UriKind.Relative)), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _iam.Dispose();
        foreach (var pipeline in _lambda.Values)
        {
            pipeline.Dispose();
        }

        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        S3.Dispose();
        await Code.DisposeAsync();
        await Moto.DisposeAsync();
    }

    private async Task CreateAsync(string region, Action<Utf8JsonWriter> properties, CancellationToken cancellationToken)
    {
        var body = Json(properties);
        await Pipeline(region).SendAsync("lambda:CreateFunction", () => JsonRequest(HttpMethod.Post, "2015-03-31/functions", body), cancellationToken);
    }

    private AwsHttpPipeline Pipeline(string region)
    {
        if (!_lambda.TryGetValue(region, out var pipeline))
        {
            pipeline = AwsHttpPipeline.Create(EnvironmentFor(region), AwsService.Lambda, AwsErrorProtocol.RestJson, Credentials);
            _lambda[region] = pipeline;
        }

        return pipeline;
    }

    private static HttpRequestMessage JsonRequest(HttpMethod method, string path, byte[] body) =>
        new(method, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } } };

    private static byte[] Json(Action<Utf8JsonWriter> properties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            properties(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
