namespace Guard.Aws.Http;

/// <summary>
/// Region and service endpoints, read once from environment variables the way the AWS SDKs read them:
/// <c>AWS_REGION</c> then <c>AWS_DEFAULT_REGION</c> (else us-east-1); for each service
/// <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>, else the public regional endpoint.
/// Built from a lookup function so tests never touch the process environment.
/// </summary>
public sealed class AwsEnvironment
{
    public const string DefaultRegion = "us-east-1";

    private readonly Func<string, string?> _variables;
    private readonly bool _ignoreConfiguredEndpoints;

    public AwsEnvironment(Func<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _variables = variables;
        Region = NonEmpty("AWS_REGION") ?? NonEmpty("AWS_DEFAULT_REGION") ?? DefaultRegion;
        // The SDKs' escape hatch for a shell that exports endpoint overrides meant for another tool.
        _ignoreConfiguredEndpoints = string.Equals(NonEmpty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase);
    }

    public static AwsEnvironment FromProcess() => new(Environment.GetEnvironmentVariable);

    public static AwsEnvironment From(IReadOnlyDictionary<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return new AwsEnvironment(name => variables.TryGetValue(name, out var value) ? value : null);
    }

    public string Region { get; }

    /// <summary>The endpoint to call for <paramref name="service"/>, always ending in '/'.</summary>
    public Uri EndpointFor(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return ConfiguredEndpointFor(service)
            ?? (service.GlobalEndpoint is { } global && DnsSuffix(Region) == "amazonaws.com" ? global : null)
            ?? new Uri($"https://{service.HostPrefix}.{Region}.{DnsSuffix(Region)}/");
    }

    /// <summary>The endpoint set by an <c>AWS_ENDPOINT_URL*</c> variable, or null when the real one applies.</summary>
    public Uri? ConfiguredEndpointFor(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (_ignoreConfiguredEndpoints)
        {
            return null;
        }

        var variable = "AWS_ENDPOINT_URL_" + service.EndpointVariableSuffix;
        var configured = NonEmpty(variable) is { } specific ? (variable, specific)
            : NonEmpty("AWS_ENDPOINT_URL") is { } general ? ("AWS_ENDPOINT_URL", general)
            : default;
        if (configured.Item2 is null)
        {
            return null;
        }

        if (!Uri.TryCreate(configured.Item2, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{configured.Item1} is not an absolute http(s) URL.");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static string DnsSuffix(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";

    private string? NonEmpty(string name) => _variables(name) is { Length: > 0 } value ? value.Trim() : null;
}
