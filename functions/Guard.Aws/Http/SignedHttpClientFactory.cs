namespace Guard.Aws.Http;

/// <summary>
/// Builds the <see cref="HttpClient"/> every Guard AWS client sends through: Guard's <see cref="SigV4SigningHandler"/>
/// over a plain transport. Retries live above this client (<see cref="AwsHttpPipeline"/>), so every attempt passes
/// through the signer again with a fresh date.
/// </summary>
public static class SignedHttpClientFactory
{
    /// <summary>The Region a global service's one endpoint signs for (IAM's iam.amazonaws.com: us-east-1, whatever the caller's).</summary>
    public const string GlobalSigningRegion = "us-east-1";

    /// <summary>A client whose <see cref="HttpClient.BaseAddress"/> is the service's endpoint.</summary>
    /// <param name="transport">The innermost handler; tests pass one, production uses <see cref="CreateTransport"/>.</param>
    public static HttpClient Create(AwsEnvironment environment, AwsService service, IAwsCredentialsProvider credentials, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(credentials);

        var endpoint = environment.EndpointFor(service);
        var region = service.GlobalEndpoint is { } global && endpoint == global ? GlobalSigningRegion : environment.Region;
        var signer = new SigV4SigningHandler(credentials, region, service, transport ?? CreateTransport());
        return new HttpClient(signer, disposeHandler: true)
        {
            BaseAddress = endpoint,
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
}
