using Amazon.Runtime;
using Guard.Aws;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Function.Deploys;
using Guard.Function.Logging;
using Guard.Inspection;
using Guard.Inspection.Rules;

namespace Guard.Function.Rollback;

/// <summary>The rollback's part of the composition root (kept here so Main stays a list of edges).</summary>
public static class RollbackComposition
{
    /// <returns>Both null without <c>GUARD_STORE_BUCKET</c>: nothing is kept, and rollback mode only alerts.</returns>
    public static (ICodeStore? Codes, FunctionRollback? Rollback) Create(
        GuardOptions options, ILambdaApi lambda, IPackageOpener packages, IDeployStore? store, AwsEnvironment environment, AWSCredentials credentials, GuardLog log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.StoreBucket is not { } bucket || store is null)
        {
            return (null, null);
        }

        // The code copy streams a whole package: a longer timeout than the range reads' 30 s.
        var codes = new S3CodeStore(
            PackageSourceFactory.CreateS3Client(environment, credentials),
            bucket,
            new HttpClient(SignedHttpClientFactory.CreateTransport()) { Timeout = TimeSpan.FromMinutes(3) },
            options.CodeLocationRewrite,
            log);
        var inspector = new FunctionInspector(lambda, packages, new PackageInspector(RuntimeCatalog.Default, PlaceholderCatalog.Default, time), options.PlaceholderSha256);
        return (codes, new FunctionRollback(lambda, store, codes, inspector, options, log, time));
    }
}
