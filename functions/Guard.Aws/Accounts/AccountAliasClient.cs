using System.Net.Http.Headers;
using System.Text;
using Guard.Aws.Http;

namespace Guard.Aws.Accounts;

/// <summary>
/// IAM <c>ListAccountAliases</c> (Query protocol: a form POST, an XML answer) over the signed pipeline: an account's
/// alias for alerts. An account has at most one alias.
/// </summary>
public sealed class AccountAliasClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Form = new("application/x-www-form-urlencoded");
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Action=ListAccountAliases&Version=2010-05-08");

    private readonly AwsHttpPipeline _pipeline;

    public AccountAliasClient(AwsHttpPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
    }

    /// <param name="environment">Its region signs the call; IAM itself is global (<see cref="AwsService.Iam"/>).</param>
    public static AccountAliasClient Create(AwsEnvironment environment, IAwsCredentialsProvider credentials) =>
        new(AwsHttpPipeline.Create(environment, AwsService.Iam, AwsErrorProtocol.RestXml, credentials));

    /// <summary>The alias, or null when the account has none.</summary>
    /// <exception cref="AwsServiceException">E.g. AccessDenied.</exception>
    public async Task<string?> GetAliasAsync(CancellationToken cancellationToken)
    {
        var response = await _pipeline.SendAsync(AwsActions.IamListAccountAliases, () =>
        {
            var content = new ByteArrayContent(Body);
            content.Headers.ContentType = Form;
            return new HttpRequestMessage(HttpMethod.Post, (Uri?)null) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        return AwsXml.TryParse(response.Body)?.Find("AccountAliases")?.Child("member")?.Text is { Length: > 0 } alias ? alias : null;
    }

    public void Dispose() => _pipeline.Dispose();
}
