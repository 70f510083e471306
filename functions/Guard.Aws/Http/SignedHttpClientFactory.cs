using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;

namespace Guard.Aws.Http;

/// <summary>
/// Builds the <see cref="HttpClient"/> Guard uses for services the SDK here does not cover (Lambda, SNS):
/// AWSSDK.Core's <see cref="SigV4SigningHandler"/> over a plain transport. Retries live above this client
/// (<see cref="AwsHttpPipeline"/>), so every attempt passes through the signer again with a fresh date.
/// </summary>
public static class SignedHttpClientFactory
{
    /// <summary>A client whose <see cref="HttpClient.BaseAddress"/> is the service's endpoint.</summary>
    /// <param name="transport">The innermost handler; tests pass one, production uses <see cref="CreateTransport"/>.</param>
    public static HttpClient Create(AwsEnvironment environment, AwsService service, AWSCredentials credentials, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(credentials);

        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(environment.Region),
            Service = service.SigningName,
            // SignedAt stays unset: the handler then signs each send with the current time.
        };
        var signer = new SigV4SigningHandler(parameters, transport ?? CreateTransport());
        return new HttpClient(signer, disposeHandler: true)
        {
            BaseAddress = environment.EndpointFor(service),
            // Per-attempt timeouts belong to the pipeline; HttpClient's own would cut across retries.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Redirects are never followed: a followed redirect is sent below the signer, unsigned for its new host.
    /// Pooled connections are recycled so a changed DNS answer is picked up in a long-lived process.
    /// </summary>
    public static SocketsHttpHandler CreateTransport() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// AWSSDK.Core's default chain: environment variables first (on Lambda these include
    /// <c>AWS_SESSION_TOKEN</c>), then profiles, container and instance credentials.
    /// </summary>
    /// <exception cref="CredentialsUnavailableException">None of them has credentials.</exception>
    public static AWSCredentials DefaultCredentials()
    {
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        }
        catch (AmazonClientException e)
        {
            throw CredentialsUnavailableException.From(e, Environment.GetEnvironmentVariable);
        }
    }
}
