using Guard.Aws;
using Guard.Aws.Accounts;
using Guard.Aws.Ecr;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Organizations;
using Guard.Aws.S3;
using Guard.Cli.Apps;
using Guard.Inspection;
using Guard.Inspection.Rules;

namespace Guard.Cli.Scanning;

/// <summary>
/// The one place the CLI's AWS clients are made (as <c>GuardComposition</c> is for the Lambda): what every command
/// talks to, a Lambda, an S3 and an ECR client per region, the opener of presigned package URLs, and for
/// <c>guard check</c> the package sources (s3://, https://) and the layer-ARN look-up. Built from the process
/// environment in production; tests build one over moto_server with stand-ins where moto falls short (its
/// Code.Location is not fetchable, it has no GetLayerVersionByArn). Credentials are resolved on first use, so a
/// check of local files never looks for them.
/// </summary>
internal sealed class AwsConnection : IDisposable
{
    private static readonly HttpClient PackageHttp = new() { Timeout = TimeSpan.FromSeconds(60) };

    private readonly Func<string, AwsEnvironment> _environment;
    private readonly Lazy<IAwsCredentialsProvider> _credentials;
    private readonly Func<ILambdaApi, ILambdaApi> _wrapLambda;
    private readonly Dictionary<(string? Account, string Region), LambdaClient> _lambdaClients = new();
    private MemberAccounts? _members;
    private readonly Dictionary<string, S3Client> _s3Clients = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? Account, string Region), EcrClient> _ecrClients = new();
    private readonly object _gate = new();

    /// <param name="environment">The environment for a region (endpoints, region name).</param>
    /// <param name="credentials">Resolved on first use, so usage errors never need credentials.</param>
    /// <param name="defaultRegion">The region when the user names none.</param>
    /// <param name="packages">Opens a presigned URL.</param>
    /// <param name="wrapLambda">Tests put a stand-in around the real client; production passes it through.</param>
    public AwsConnection(
        Func<string, AwsEnvironment> environment,
        Func<IAwsCredentialsProvider> credentials,
        string defaultRegion,
        IPackageOpener packages,
        Func<ILambdaApi, ILambdaApi>? wrapLambda = null)
    {
        _environment = environment;
        _credentials = new Lazy<IAwsCredentialsProvider>(credentials, LazyThreadSafetyMode.ExecutionAndPublication);
        DefaultRegion = defaultRegion;
        Packages = packages;
        _wrapLambda = wrapLambda ?? (client => client);
    }

    public string DefaultRegion { get; }

    public IPackageOpener Packages { get; }

    /// <summary>The process's environment and AWSSDK.Core's default credential chain (<see cref="SdkCredentialChain"/>).</summary>
    public static AwsConnection FromProcess()
    {
        var process = AwsEnvironment.FromProcess();
        return new AwsConnection(
            region => new AwsEnvironment(name => name is "AWS_REGION" ? region : Environment.GetEnvironmentVariable(name)),
            SdkCredentialChain.Resolve,
            process.Region,
            new HttpPackageOpener(PackageHttp));
    }

    /// <exception cref="CredentialsUnavailableException">No credentials could be found.</exception>
    public IAwsCredentialsProvider Credentials => _credentials.Value;

    public AwsEnvironment EnvironmentFor(string region) => _environment(region);

    /// <summary>The region's Lambda client, made once; in another account (after <see cref="EnterOrganizationAsync"/>), under its member role.</summary>
    public ILambdaApi Lambda(string region, string? account = null)
    {
        lock (_gate)
        {
            var key = (account == _members?.OwnAccount ? null : account, region);
            if (!_lambdaClients.TryGetValue(key, out var client))
            {
                var credentials = key.Item1 is null ? Credentials
                    : _members?.For(key.Item1, region) ?? throw new InvalidOperationException("another account's client needs EnterOrganizationAsync first");
                client = LambdaClient.Create(_environment(region), credentials);
                _lambdaClients[key] = client;
            }

            return _wrapLambda(client);
        }
    }

    /// <summary>The region's ECR client, made once; in another account (after <see cref="EnterOrganizationAsync"/>), under its member role.</summary>
    public IEcrApi Ecr(string region, string? account = null)
    {
        lock (_gate)
        {
            var key = (account == _members?.OwnAccount ? null : account, region);
            if (!_ecrClients.TryGetValue(key, out var client))
            {
                var credentials = key.Item1 is null ? Credentials
                    : _members?.For(key.Item1, region) ?? throw new InvalidOperationException("another account's client needs EnterOrganizationAsync first");
                client = EcrClient.Create(_environment(region), credentials);
                _ecrClients[key] = client;
            }

            return client;
        }
    }

    /// <summary>Reads ECR images with the AWS credentials (in <paramref name="account"/>, as its member role): image functions, and <c>guard check</c> of an ECR URI.</summary>
    public IEcrImages Images(string? account = null) => new EcrImages(region => Ecr(region, account), Packages);

    /// <summary>
    /// Lets <see cref="Lambda"/> reach other accounts through <paramref name="memberRole"/> (the member stack's
    /// <c>GuardMember-{region}</c>: <see cref="MemberAccounts.RegionPlaceholder"/> stands for each Region swept), assumed with this connection's credentials; returns the caller's own account (STS GetCallerIdentity).
    /// </summary>
    public async Task<string> EnterOrganizationAsync(string memberRole, CancellationToken cancellationToken)
    {
        using var sts = MemberAccounts.CreateSts(_environment(DefaultRegion), Credentials);
        string own;
        try
        {
            own = await sts.GetCallerAccountAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.StatusCode != 0)
        {
            throw new CredentialsUnavailableException($"STS GetCallerIdentity refused these credentials ({e.ErrorCode}): {e.ServiceMessage.ReplaceLineEndings(" ")}", e);
        }
        catch (Exception e) when (e is AwsServiceException or HttpRequestException)
        {
            throw new CredentialsUnavailableException($"STS could not be reached to learn the caller's account ({e.GetType().Name}): {e.Message.ReplaceLineEndings(" ")}", e);
        }

        lock (_gate)
        {
            _members?.Dispose();
            _members = new MemberAccounts(own, () => Credentials, memberRole, "guard-cli", () => MemberAccounts.CreateSts(_environment(DefaultRegion), Credentials));
        }

        return own;
    }

    /// <summary>Organizations, for <c>--organization</c>'s account list.</summary>
    public OrganizationsClient Organizations() => OrganizationsClient.Create(_environment(OrganizationsClient.Region), Credentials);

    /// <summary>
    /// Opens <c>guard check</c>'s PACKAGE and LAYER arguments: local paths, s3:// objects (with a client of the
    /// default region, made on the first one and owned by the factory), http(s) URLs.
    /// </summary>
    public PackageSourceFactory PackageSources() =>
        new(PackageHttp, () => S3Client.Create(_environment(DefaultRegion), Credentials));

    /// <summary>Looks up layer-version ARNs with the Lambda client of each ARN's region.</summary>
    public LambdaLayerLocator Layers() => new(region => Lambda(region));

    /// <summary>Inspects the region's deployed functions (the same seam the Guard Lambda uses).</summary>
    public DeployedFunctionInspector Functions(string region) =>
        new(Lambda(region), Packages, new PackageInspector(), RuntimeCatalog.Default, objects: S3Packages(region), images: Images());

    /// <summary>
    /// Reads the object version a REFERENCE function of <paramref name="region"/> runs from, with this connection's own
    /// credentials (in another account, the bucket's policy must grant them): the client is made on the first such function.
    /// </summary>
    public IS3PackageOpener S3Packages(string region) => new S3PackageOpener(() => S3(region));

    /// <summary>The region's S3 client, made once (path-style when an endpoint is configured).</summary>
    public S3Client S3(string region)
    {
        lock (_gate)
        {
            if (!_s3Clients.TryGetValue(region, out var client))
            {
                client = S3Client.Create(_environment(region), Credentials);
                _s3Clients[region] = client;
            }

            return client;
        }
    }

    public void Dispose()
    {
        _members?.Dispose();
        foreach (var client in _lambdaClients.Values)
        {
            client.Dispose();
        }

        foreach (var client in _s3Clients.Values)
        {
            client.Dispose();
        }

        foreach (var client in _ecrClients.Values)
        {
            client.Dispose();
        }
    }
}
