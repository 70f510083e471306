using Guard.Aws.Http;
using Guard.Aws.S3;
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
    private readonly Lazy<S3Client> _s3;

    /// <param name="http">For http(s) locations; the caller owns it and its resilience handlers.</param>
    /// <param name="createS3Client">
    /// Called at most once, on the first S3 location; the factory owns and disposes the client it returns.
    /// Production passes <c>() =&gt; PackageSourceFactory.CreateS3Client(environment, credentials)</c>.
    /// </param>
    public PackageSourceFactory(HttpClient http, Func<S3Client> createS3Client)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(createS3Client);
        _http = http;
        _s3 = new Lazy<S3Client>(createS3Client, LazyThreadSafetyMode.ExecutionAndPublication);
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
            PackageLocation.S3Object s3 => new S3RangeSource(S3ClientFor(location), s3.Bucket, s3.Key, s3.VersionId),
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

    /// <summary>An S3 client for <paramref name="environment"/> (see <see cref="S3Client.Create"/>), signing with <paramref name="credentials"/>.</summary>
    public static S3Client CreateS3Client(AwsEnvironment environment, IAwsCredentialsProvider credentials)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return S3Client.Create(environment, credentials);
    }

    private S3Client S3ClientFor(PackageLocation location)
    {
        try
        {
            return _s3.Value;
        }
        catch (CredentialsUnavailableException e)
        {
            throw new PackageUnavailableException($"{location.DisplayName}: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new PackageUnavailableException($"{location.DisplayName}: cannot create the S3 client: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
