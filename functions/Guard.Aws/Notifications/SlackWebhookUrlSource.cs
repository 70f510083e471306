using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Guard.Aws.Http;

namespace Guard.Aws.Notifications;

/// <summary>
/// The Slack webhook URL from an SSM SecureString parameter, fetched once (decrypted) and kept for the
/// process lifetime. A failed fetch is not cached, so the next invocation tries again. Errors name the
/// parameter, never its value.
/// </summary>
public sealed class SlackWebhookUrlSource : IDisposable
{
    private readonly IAmazonSimpleSystemsManagement _ssm;
    private readonly string _parameterName;
    private readonly bool _ownsClient;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SlackWebhookUrl? _cached;

    /// <param name="ownsClient">Whether <see cref="Dispose"/> disposes <paramref name="ssm"/>.</param>
    public SlackWebhookUrlSource(IAmazonSimpleSystemsManagement ssm, string parameterName, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(ssm);
        ArgumentException.ThrowIfNullOrEmpty(parameterName);
        _ssm = ssm;
        _parameterName = parameterName;
        _ownsClient = ownsClient;
    }

    /// <summary>
    /// A source over a new SSM client for <paramref name="environment"/>'s region, pointed at
    /// <c>AWS_ENDPOINT_URL_SSM</c> / <c>AWS_ENDPOINT_URL</c> when set.
    /// </summary>
    public static SlackWebhookUrlSource Create(AwsEnvironment environment, AWSCredentials credentials, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var config = new AmazonSimpleSystemsManagementConfig { RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(environment.Region) };
        if (environment.ConfiguredEndpointFor(AwsService.Ssm) is { } endpoint)
        {
            config.ServiceURL = endpoint.AbsoluteUri;
            // ServiceURL replaces the region for routing; keep the signing region explicit.
            config.AuthenticationRegion = environment.Region;
        }

        return new SlackWebhookUrlSource(new AmazonSimpleSystemsManagementClient(credentials, config), parameterName, ownsClient: true);
    }

    public string ParameterName => _parameterName;

    public async Task<SlackWebhookUrl> GetAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _cached ??= await FetchAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        if (_ownsClient)
        {
            _ssm.Dispose();
        }
    }

    public override string ToString() => $"SlackWebhookUrlSource({_parameterName})";

    private async Task<SlackWebhookUrl> FetchAsync(CancellationToken cancellationToken)
    {
        GetParameterResponse response;
        try
        {
            response = await _ssm.GetParameterAsync(new GetParameterRequest { Name = _parameterName, WithDecryption = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            // The SDK's own message is about the request (not found, denied), never the value.
            throw new AwsServiceException(
                e.ErrorCode ?? "Unknown", (int)e.StatusCode, $"parameter {_parameterName}: {AwsErrorParser.SanitizeMessage(e.Message) ?? "no message"}",
                AwsActions.SsmGetParameter, e.RequestId, e);
        }

        try
        {
            return SlackWebhookUrl.Parse(response.Parameter?.Value ?? "");
        }
        catch (FormatException e)
        {
            throw new FormatException($"SSM parameter {_parameterName} does not hold an absolute https URL (value not shown).", e);
        }
    }
}
