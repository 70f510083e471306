using Guard.Aws.Http;
using Guard.Aws.Ssm;

namespace Guard.Aws.Notifications;

/// <summary>
/// The Slack webhook URL from an SSM SecureString parameter, fetched once (decrypted) and kept for the
/// process lifetime. A failed fetch is not cached, so the next invocation tries again. Errors name the
/// parameter, never its value.
/// </summary>
public sealed class SlackWebhookUrlSource : IDisposable
{
    private readonly SsmClient _ssm;
    private readonly string _parameterName;
    private readonly bool _ownsClient;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SlackWebhookUrl? _cached;

    /// <param name="ownsClient">Whether <see cref="Dispose"/> disposes <paramref name="ssm"/>.</param>
    public SlackWebhookUrlSource(SsmClient ssm, string parameterName, bool ownsClient = false)
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
    public static SlackWebhookUrlSource Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, string parameterName) =>
        new(SsmClient.Create(environment, credentials), parameterName, ownsClient: true);

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
        var value = await _ssm.GetDecryptedParameterAsync(_parameterName, cancellationToken).ConfigureAwait(false);
        try
        {
            return SlackWebhookUrl.Parse(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"SSM parameter {_parameterName} does not hold an absolute https URL (value not shown).", e);
        }
    }
}
