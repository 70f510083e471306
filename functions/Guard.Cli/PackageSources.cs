using Guard.Aws;
using Guard.Aws.Http;

namespace Guard.Cli;

/// <summary>Opens PACKAGE and LAYER arguments: local paths, s3:// objects (client built on first use), http(s) URLs.</summary>
internal static class PackageSources
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static PackageSourceFactory Create() =>
        new(Http, () => PackageSourceFactory.CreateS3Client(AwsEnvironment.FromProcess()));
}
