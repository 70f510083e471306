using System.Globalization;
using Guard.Aws.Http;

namespace Guard.Aws.Accounts;

/// <summary>A role session's temporary credentials, as AssumeRole answers them.</summary>
public sealed record RoleSession(AwsCredentials Credentials, DateTimeOffset Expiration);

/// <summary>
/// STS over signed HTTP in the Query protocol (<c>Action=AssumeRole&amp;Version=2011-06-15&amp;…</c>, answered in XML), the
/// two calls Guard makes. Not AWSSDK.SecurityToken: an SDK service client brings the SDK's whole request runtime
/// (marshallers, endpoint rules, its own retry pipeline) into the Lambda's Native AOT image, which every cold start
/// pays for in page faults and rehydration, for one form POST that <see cref="AwsHttpPipeline"/> already signs and retries.
/// </summary>
public sealed class StsClient : IDisposable
{
    private const string Version = "2011-06-15";

    // An STS call is small and answered in milliseconds; a stuck one should not hold an event for the SDK default.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.Sts"/> with <see cref="AwsErrorProtocol.Query"/>; the client owns it.</param>
    public StsClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    /// <summary>STS for <paramref name="environment"/>'s region (honours <c>AWS_ENDPOINT_URL_STS</c>), signing with <paramref name="credentials"/>.</summary>
    public static StsClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Sts, AwsErrorProtocol.Query, credentials, retry, transport));

    /// <exception cref="AwsServiceException">STS refused (e.g. AccessDenied when the role's trust policy does not name the caller) or did not answer.</exception>
    public async Task<RoleSession> AssumeRoleAsync(string roleArn, string sessionName, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(roleArn);
        ArgumentException.ThrowIfNullOrEmpty(sessionName);
        var answer = await SendAsync(
            AwsActions.StsAssumeRole,
            [
                new("Action", "AssumeRole"),
                new("Version", Version),
                new("RoleArn", roleArn),
                new("RoleSessionName", sessionName),
                new("DurationSeconds", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            ],
            cancellationToken).ConfigureAwait(false);

        var credentials = answer.Document?.Find("Credentials");
        if (credentials?.ChildText("AccessKeyId") is not { Length: > 0 } keyId
            || credentials.ChildText("SecretAccessKey") is not { Length: > 0 } secret
            || credentials.ChildText("SessionToken") is not { Length: > 0 } token
            || !DateTimeOffset.TryParse(credentials.ChildText("Expiration"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiration))
        {
            throw Malformed(answer, AwsActions.StsAssumeRole, "AssumeRole answered without complete credentials");
        }

        return new RoleSession(new AwsCredentials(keyId, secret, token, expiration.ToUniversalTime()), expiration.ToUniversalTime());
    }

    /// <summary>The account the signing credentials belong to (GetCallerIdentity needs no permission).</summary>
    /// <exception cref="AwsServiceException">STS refused the credentials (e.g. InvalidClientTokenId, ExpiredToken) or did not answer.</exception>
    public async Task<string> GetCallerAccountAsync(CancellationToken cancellationToken)
    {
        var answer = await SendAsync(AwsActions.StsGetCallerIdentity, [new("Action", "GetCallerIdentity"), new("Version", Version)], cancellationToken).ConfigureAwait(false);
        return answer.Document?.Find("Account")?.Text is { Length: 12 } account && account.All(char.IsAsciiDigit)
            ? account
            : throw Malformed(answer, AwsActions.StsGetCallerIdentity, "GetCallerIdentity answered without an account id");
    }

    public void Dispose() => _pipeline.Dispose();

    private async Task<(AwsHttpResponse Response, AwsXmlElement? Document)> SendAsync(
        string action, IReadOnlyList<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var response = await _pipeline.SendAsync(
            action,
            // No URI: HttpClient then sends to its BaseAddress, the STS endpoint.
            () => new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = new FormUrlEncodedContent(form) },
            cancellationToken,
            AttemptTimeout).ConfigureAwait(false);
        return (response, AwsXml.TryParse(response.Body));
    }

    private static AwsServiceException Malformed((AwsHttpResponse Response, AwsXmlElement? Document) answer, string action, string message) =>
        new("MalformedResponse", answer.Response.StatusCode, message, action, answer.Response.RequestId, null);
}
