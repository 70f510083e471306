using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Guard.Aws.Http;
using Guard.Inspection.Reading;

namespace Guard.Aws;

/// <summary>
/// Opens the <see cref="IRangeSource"/> for a <see cref="PackageLocation"/>: local files directly, URLs over the
/// given <see cref="HttpClient"/>, S3 objects over an S3 client created on first use (a CLI checking a local
/// zip never resolves AWS credentials).
/// </summary>
public sealed class PackageSourceFactory : IDisposable
{
    private readonly HttpClient _http;
    private readonly Lazy<IAmazonS3> _s3;

    /// <param name="http">For http(s) locations; the caller owns it and its resilience handlers.</param>
    /// <param name="createS3Client">
    /// Called at most once, on the first S3 location; the factory owns and disposes the client it returns.
    /// Production passes <c>() =&gt; PackageSourceFactory.CreateS3Client(AwsEnvironment.FromProcess())</c>.
    /// </param>
    public PackageSourceFactory(HttpClient http, Func<IAmazonS3> createS3Client)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(createS3Client);
        _http = http;
        _s3 = new Lazy<IAmazonS3>(createS3Client, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Parses <paramref name="package"/> (see <see cref="PackageLocation.Parse"/>) and opens it.</summary>
    /// <exception cref="FormatException">The argument is malformed.</exception>
    /// <exception cref="PackageUnavailableException">A local file is missing or unreadable, or no S3 client could be made.</exception>
    public IRangeSource Open(string package) => Open(PackageLocation.Parse(package));

    /// <exception cref="PackageUnavailableException">A local file is missing or unreadable, or no S3 client could be made.</exception>
    public IRangeSource Open(PackageLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location switch
        {
            PackageLocation.LocalFile file => LocalFileRangeSource.Open(file.Path),
            PackageLocation.Url url => new HttpRangeSource(_http, url.Uri),
            PackageLocation.S3Object s3 => new S3RangeSource(S3Client(location), s3.Bucket, s3.Key, s3.VersionId),
            _ => throw new ArgumentException($"Unknown location type {location.GetType().Name}.", nameof(location)),
        };
    }

    public void Dispose()
    {
        if (_s3.IsValueCreated)
        {
            _s3.Value.Dispose();
        }
    }

    /// <summary>
    /// An S3 client configured the way the AWS SDKs and CLI are: <c>AWS_ENDPOINT_URL_S3</c>, then
    /// <c>AWS_ENDPOINT_URL</c> (both read through <paramref name="environment"/>) with path-style addressing, since
    /// emulators and custom endpoints rarely resolve <c>bucket.host</c> names; the SDK's region, else the
    /// environment's (us-east-1 when none is set); the default credential chain, else unsigned requests, which a
    /// public bucket or a local emulator accepts.
    /// </summary>
    /// <param name="credentials">Explicit credentials (tests pass fixed ones for moto); null for the default chain.</param>
    /// <remarks>
    /// AWSSDK 4.x reads the endpoint variables itself but keeps virtual-hosted addressing, which fails for
    /// <c>http://localhost:port</c> (it calls <c>bucket.localhost</c>); setting ServiceURL here also lets tests
    /// pass an environment without touching the process's.
    /// </remarks>
    public static IAmazonS3 CreateS3Client(AwsEnvironment environment, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var config = new AmazonS3Config();
        var region = config.RegionEndpoint ?? RegionEndpoint.GetBySystemName(environment.Region);
        config.RegionEndpoint = region;
        if (environment.ConfiguredEndpointFor(AwsService.S3) is { } endpoint)
        {
            // ServiceURL and RegionEndpoint exclude each other in the SDK's config; the region then only signs.
            config.ServiceURL = endpoint.AbsoluteUri;
            config.AuthenticationRegion = region.SystemName;
            config.ForcePathStyle = true;
        }

        return new AmazonS3Client(credentials ?? DefaultCredentialsOrAnonymous(config), config);
    }

    private static AWSCredentials DefaultCredentialsOrAnonymous(AmazonS3Config config)
    {
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
        }
        catch (AmazonClientException)
        {
            // No credentials anywhere: a public object or an emulator may still answer an unsigned request, and a
            // private one answers 403, reported as "access denied".
            return new AnonymousAWSCredentials();
        }
    }

    private IAmazonS3 S3Client(PackageLocation location)
    {
        try
        {
            return _s3.Value;
        }
        catch (Exception e) when (e is InvalidOperationException or AmazonClientException or ArgumentException)
        {
            throw new PackageUnavailableException($"{location.DisplayName}: cannot create the S3 client: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
