using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Guard.Aws.Http;

namespace Guard.Aws.SecurityHub;

/// <summary>Imports and reads findings in one account's Security Hub.</summary>
public interface ISecurityHubApi
{
    /// <summary>Creates or updates (same <see cref="AsffFinding.Id"/>, newer <see cref="AsffFinding.UpdatedAt"/>) up to 100 findings.</summary>
    /// <exception cref="AwsServiceException">Security Hub refused the call (not enabled, not allowed) or could not be reached.</exception>
    Task<BatchImportResult> ImportAsync(IReadOnlyList<AsffFinding> findings, CancellationToken cancellationToken);

    /// <summary>The active findings of <paramref name="productArn"/> on the resource <paramref name="resourceArn"/>.</summary>
    IAsyncEnumerable<AsffFinding> ActiveFindingsAsync(string productArn, string resourceArn, CancellationToken cancellationToken);
}

/// <summary>
/// Security Hub's <c>BatchImportFindings</c> (POST /findings/import) and <c>GetFindings</c> (POST /findings) over signed HTTP
/// (REST-JSON, https://docs.aws.amazon.com/securityhub/1.0/APIReference/): AWSSDK.SecurityHub is not available here.
/// </summary>
public sealed class SecurityHubClient : ISecurityHubApi, IDisposable
{
    /// <summary>BatchImportFindings: "Maximum of 100 findings per request"; GetFindings' MaxResults likewise.</summary>
    public const int MaxFindingsPerCall = 100;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly AwsHttpPipeline _pipeline;

    /// <param name="pipeline">A pipeline for <see cref="AwsService.SecurityHub"/> with <see cref="AwsErrorProtocol.RestJson"/>; the client owns it.</param>
    public SecurityHubClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    public static SecurityHubClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.SecurityHub, AwsErrorProtocol.RestJson, credentials, retry, transport));

    public async Task<BatchImportResult> ImportAsync(IReadOnlyList<AsffFinding> findings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (findings.Count is 0 or > MaxFindingsPerCall)
        {
            throw new ArgumentException($"BatchImportFindings takes 1 to {MaxFindingsPerCall} findings, not {findings.Count}", nameof(findings));
        }

        var body = ImportRequestBody(findings);
        var response = await SendAsync(AwsActions.SecurityHubBatchImportFindings, "findings/import", body, cancellationToken).ConfigureAwait(false);
        return Read(response, SecurityHubJsonContext.Default.BatchImportResult, AwsActions.SecurityHubBatchImportFindings);
    }

    public async IAsyncEnumerable<AsffFinding> ActiveFindingsAsync(string productArn, string resourceArn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(productArn);
        ArgumentException.ThrowIfNullOrEmpty(resourceArn);
        var filters = new GetFindingsFilters([new(productArn, "EQUALS")], [new(resourceArn, "EQUALS")], [new(AsffFinding.Active, "EQUALS")]);
        string? token = null;
        do
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new GetFindingsRequest(filters, MaxFindingsPerCall, token), SecurityHubJsonContext.Default.GetFindingsRequest);
            var response = await SendAsync(AwsActions.SecurityHubGetFindings, "findings", body, cancellationToken).ConfigureAwait(false);
            var page = Read(response, SecurityHubJsonContext.Default.GetFindingsResponse, AwsActions.SecurityHubGetFindings);
            foreach (var finding in page.Findings ?? [])
            {
                yield return finding;
            }

            token = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
        }
        while (token is not null);
    }

    /// <summary>The BatchImportFindings body, <c>{"Findings":[…]}</c>, exactly as it is sent.</summary>
    public static byte[] ImportRequestBody(IReadOnlyList<AsffFinding> findings) =>
        JsonSerializer.SerializeToUtf8Bytes(new ImportFindingsRequest(findings), SecurityHubJsonContext.Default.ImportFindingsRequest);

    public void Dispose() => _pipeline.Dispose();

    private Task<AwsHttpResponse> SendAsync(string action, string path, byte[] body, CancellationToken cancellationToken) =>
        _pipeline.SendAsync(action, () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            return new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        }, cancellationToken);

    private static T Read<T>(AwsHttpResponse response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string action)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body, type)
                ?? throw new AwsServiceException("MalformedResponse", response.StatusCode, "empty answer", action, response.RequestId, null);
        }
        catch (JsonException e)
        {
            throw new AwsServiceException("MalformedResponse", response.StatusCode, "answer is not the expected JSON", action, response.RequestId, e);
        }
    }
}
