using Amazon.S3;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.S3;
using Guard.Cli.Scanning;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

/// <summary>
/// An account in a running moto_server, seeded through <see cref="MotoAccount"/> (CreateRole, CreateFunction,
/// PublishLayerVersion, DeleteFunction are calls Guard never makes), plus the seams moto 5 needs:
/// <list type="bullet">
/// <item>moto's GetFunction <c>Code.Location</c> is not fetchable, so each function's zip is served at the same
/// path from a <see cref="LocalHttpServer"/>, and code Lambda took from S3 (a migration's staged package) is read
/// from moto's S3 at that key;</item>
/// <item>moto does not implement GetLayerVersionByArn, so <see cref="LambdaStandIn"/> answers it with a URL on the
/// same server;</item>
/// <item>moto has no GetDownloadUrlForLayer, so image functions' images are pushed to an <see cref="EcrStandIn"/>
/// (<c>AWS_ENDPOINT_URL_ECR</c>), also under the digest moto's stubbed ECR makes their ResolvedImageUri name.</item>
/// </list>
/// Objects are arranged and read back with AWSSDK.S3 (<see cref="S3"/>), a second implementation, so a test sees
/// what Guard's own <see cref="S3Client"/> wrote rather than what that client believes it wrote.
/// </summary>
internal sealed class ScanMotoAccount : IAsyncDisposable
{
    private readonly Dictionary<string, MotoAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LambdaClient> _clients = new(StringComparer.Ordinal);
    private readonly S3Client _stagedCode;
    private string? _roleArn;

    private ScanMotoAccount(MotoServer moto, LocalHttpServer code)
    {
        Ecr = EcrStandIn.Start();
        Moto = moto;
        Code = code;
        S3 = moto.S3Witness(Credentials);
        _stagedCode = PackageSourceFactory.CreateS3Client(EnvironmentFor(MotoServer.Region), Credentials);
    }

    public static AwsCredentials Credentials => MotoServer.Credentials;

    public MotoServer Moto { get; }

    public LocalHttpServer Code { get; }

    public EcrStandIn Ecr { get; }

    /// <summary>Arrange-only: puts objects into moto and reads back what Guard wrote.</summary>
    public AmazonS3Client S3 { get; }

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
        AwsEnvironment.From(new Dictionary<string, string?>(Moto.EnvironmentVariables) { ["AWS_REGION"] = region, ["AWS_ENDPOINT_URL_ECR"] = Ecr.Endpoint.AbsoluteUri });

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
        new DelegatingPackageOpener(OpenPackage),
        client => wrap?.Invoke(new LambdaStandIn(client, LayerLocations)) ?? new LambdaStandIn(client, LayerLocations));

    /// <summary>moto's Code.Location → the same path on <see cref="Code"/>, or the staged object in moto's S3.</summary>
    public IRangeSource OpenPackage(Uri location)
    {
        var path = Uri.UnescapeDataString(location.AbsolutePath);
        if (path.StartsWith("/guard-migrate/", StringComparison.Ordinal))
        {
            return new S3RangeSource(_stagedCode, StageBucket, path.TrimStart('/'));
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

        _roleArn = await Account(MotoServer.Region).CreateRoleAsync("guard-scan-role", cancellationToken);
        return _roleArn;
    }

    /// <summary>CreateFunction from <paramref name="zip"/>, then serves the same bytes where its Code.Location points.</summary>
    public async Task CreateZipFunctionAsync(
        string name, byte[] zip, string runtime, string architecture = "x86_64", string handler = "bootstrap",
        IReadOnlyList<string>? layers = null, string region = MotoServer.Region, IReadOnlyDictionary<string, string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        var role = await RoleAsync(cancellationToken);
        await Account(region).CreateFunctionAsync(name, role, zip, runtime, architecture, layers ?? [], tags, handler: handler, cancellationToken: cancellationToken);
        await ServeCodeAsync(name, zip, region, cancellationToken);
    }

    /// <summary>Serves <paramref name="zip"/> at the path of the function's Code.Location (moto's is not fetchable).</summary>
    public async Task ServeCodeAsync(string name, byte[] zip, string region = MotoServer.Region, CancellationToken cancellationToken = default)
    {
        var details = await Lambda(region).GetFunctionAsync(name, cancellationToken);
        Code.Serve(Uri.UnescapeDataString(new Uri(details.CodeLocation!).AbsolutePath), zip);
    }

    /// <summary>Pushes <paramref name="image"/> to <see cref="Ecr"/> and creates an image function of it in moto.</summary>
    public async Task CreateImageFunctionAsync(string name, BuiltImage image, string architecture, CancellationToken cancellationToken)
    {
        var role = await RoleAsync(cancellationToken);
        var uri = Ecr.Push(image, repository: name);
        Ecr.AlsoAs("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(uri))), image, repository: name);
        await Account(MotoServer.Region).CreateImageFunctionAsync(name, role, uri, cancellationToken, architecture);
    }

    /// <summary>PublishLayerVersion in moto (for a real layer ARN), its zip served on <see cref="Code"/> for the stand-in's GetLayerVersionByArn.</summary>
    public async Task<string> PublishLayerAsync(string name, byte[] zip, CancellationToken cancellationToken)
    {
        var arn = await Account(MotoServer.Region).PublishLayerVersionAsync(name, zip, cancellationToken: cancellationToken);
        LayerLocations[arn] = Code.Serve($"/layers/{name}.zip", zip).AbsoluteUri;
        return arn;
    }

    public Task DeleteFunctionAsync(string name, CancellationToken cancellationToken) =>
        Account(MotoServer.Region).DeleteFunctionAsync(name, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var account in _accounts.Values)
        {
            account.Dispose();
        }

        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        S3.Dispose();
        _stagedCode.Dispose();
        await Code.DisposeAsync();
        await Ecr.DisposeAsync();
        await Moto.DisposeAsync();
    }

    /// <summary>The seeding calls, in <paramref name="region"/>.</summary>
    private MotoAccount Account(string region)
    {
        if (!_accounts.TryGetValue(region, out var account))
        {
            account = new MotoAccount(EnvironmentFor(region), Credentials);
            _accounts[region] = account;
        }

        return account;
    }
}
