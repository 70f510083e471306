using System.Text.RegularExpressions;
using Amazon.Runtime;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Inspection.Reading;

namespace Guard.Cli.Apps;

/// <summary>One of a function's layers: something to open, a layer-version ARN to look up, or one Guard cannot read (and why).</summary>
internal sealed partial record LayerSource(string Display, string? Location = null, string? Arn = null, string? NotReadWhy = null)
{
    public static LayerSource Open(string location) =>
        IsLayerVersionArn(location) ? new LayerSource(location, Arn: location) : new LayerSource(location, Location: location);

    public static LayerSource NotRead(string display, string why) => new(display, NotReadWhy: why);

    /// <summary><c>arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION</c> (any partition).</summary>
    public static bool IsLayerVersionArn(string value) => LayerVersionArn().IsMatch(value);

    public static string RegionOf(string arn) => arn.Split(':')[3];

    [GeneratedRegex(@"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex LayerVersionArn();
}

/// <summary>Where a layer version's zip can be read: GetLayerVersionByArn's presigned <c>Content.Location</c>.</summary>
internal interface ILayerLocator
{
    /// <exception cref="PackageUnavailableException">No credentials, no access, no such layer: one line saying which.</exception>
    Task<string> LocateAsync(string arn, CancellationToken cancellationToken);
}

/// <summary>
/// GetLayerVersionByArn in the ARN's region, signed with the default credential chain, resolved on first use
/// (a run without layer ARNs never looks for credentials) and at most once (a missing chain is not probed again).
/// </summary>
internal sealed class LambdaLayerLocator : ILayerLocator, IDisposable
{
    private readonly Lazy<AWSCredentials> _credentials = new(SignedHttpClientFactory.DefaultCredentials, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Dictionary<string, LambdaClient> _clients = new(StringComparer.Ordinal);

    public async Task<string> LocateAsync(string arn, CancellationToken cancellationToken)
    {
        Uri location;
        try
        {
            location = await LayerLookup.Direct(ClientFor(LayerSource.RegionOf(arn))).LocateAsync(arn, cancellationToken).ConfigureAwait(false);
        }
        catch (CredentialsUnavailableException e)
        {
            throw new PackageUnavailableException($"no AWS credentials to call GetLayerVersionByArn: {e.Message}", e);
        }
        catch (AwsServiceException e)
        {
            throw new PackageUnavailableException($"GetLayerVersionByArn: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        catch (HttpRequestException e)
        {
            throw new PackageUnavailableException($"GetLayerVersionByArn: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return location.AbsoluteUri;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private LambdaClient ClientFor(string region)
    {
        // An app's functions are checked in parallel: one client per region, made once.
        lock (_clients)
        {
            if (!_clients.TryGetValue(region, out var client))
            {
                var environment = new AwsEnvironment(name => name is "AWS_REGION" ? region : Environment.GetEnvironmentVariable(name));
                client = LambdaClient.Create(environment, _credentials.Value);
                _clients[region] = client;
            }

            return client;
        }
    }
}
