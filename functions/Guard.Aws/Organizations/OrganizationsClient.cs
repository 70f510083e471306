using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Guard.Aws.Http;

namespace Guard.Aws.Organizations;

/// <summary>An account of the organization, as ListAccounts gives it.</summary>
/// <param name="Status">ACTIVE, SUSPENDED or PENDING_CLOSURE.</param>
public sealed record OrganizationAccount(string Id, string? Name, string? Status)
{
    public bool IsActive => string.Equals(Status, "ACTIVE", StringComparison.Ordinal);
}

/// <summary>
/// AWS Organizations <c>ListAccounts</c> over signed HTTP (JSON 1.1, <c>X-Amz-Target</c>), the one Organizations call
/// Guard makes (<c>guard scan --organization</c>). Not an SDK client: AWSSDK.Organizations is not served here, and the
/// call is as small as SSM's (<see cref="Ssm.SsmClient"/>). The API is global: signed for us-east-1 in the aws partition.
/// </summary>
public sealed class OrganizationsClient : IDisposable
{
    private readonly AwsHttpPipeline _pipeline;

    public OrganizationsClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    /// <summary>The API's one endpoint region in the aws partition.</summary>
    public const string Region = "us-east-1";

    /// <param name="environment">For <see cref="Region"/> (endpoints: <c>AWS_ENDPOINT_URL_ORGANIZATIONS</c> for emulators).</param>
    public static OrganizationsClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials, AwsRetryOptions? retry = null, HttpMessageHandler? transport = null) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Organizations, AwsErrorProtocol.RestJson, credentials, retry, transport));

    /// <summary>Every account of the organization, page by page (NextToken).</summary>
    /// <exception cref="AwsServiceException">E.g. AccessDeniedException (not the management account or a delegated administrator), AWSOrganizationsNotInUseException.</exception>
    public async IAsyncEnumerable<OrganizationAccount> ListAccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = null;
        do
        {
            var (page, _, _) = await _pipeline.SendJsonAsync(
                AwsActions.OrganizationsListAccounts, "AWSOrganizationsV20161128.ListAccounts", new ListAccountsRequest(next),
                OrganizationsJsonContext.Default.ListAccountsRequest, OrganizationsJsonContext.Default.ListAccountsResponse, cancellationToken).ConfigureAwait(false);

            foreach (var account in page.Accounts ?? [])
            {
                if (account.Id is { Length: > 0 } id)
                {
                    yield return new OrganizationAccount(id, account.Name, account.Status);
                }
            }

            next = page.NextToken is { Length: > 0 } token ? token : null;
        }
        while (next is not null);
    }

    public void Dispose() => _pipeline.Dispose();
}

internal sealed record ListAccountsRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextToken);

internal sealed record ListAccountsResponse(IReadOnlyList<AccountWire>? Accounts, string? NextToken);

internal sealed record AccountWire(string? Id, string? Name, string? Status);

/// <summary>Source-generated JSON for the Organizations wire types (no reflection: Native AOT).</summary>
[JsonSerializable(typeof(ListAccountsRequest))]
[JsonSerializable(typeof(ListAccountsResponse))]
internal sealed partial class OrganizationsJsonContext : JsonSerializerContext;
