using System.Text.RegularExpressions;
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
/// GetLayerVersionByArn in the ARN's region, with the connection's Lambda client for that region: its credentials
/// are resolved on first use (a run without layer ARNs never looks for them) and at most once (a missing chain is
/// not probed again).
/// </summary>
internal sealed class LambdaLayerLocator(Func<string, ILambdaApi> lambdaFor) : ILayerLocator
{
    public async Task<string> LocateAsync(string arn, CancellationToken cancellationToken)
    {
        Uri location;
        try
        {
            location = await LayerLookup.Direct(lambdaFor(LayerSource.RegionOf(arn))).LocateAsync(arn, cancellationToken).ConfigureAwait(false);
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
}
