using System.Collections.Concurrent;
using Guard.Aws.Http;

namespace Guard.Aws.Accounts;

/// <summary>
/// Member accounts' aliases for alerts, looked up once per account (ListAccountAliases as its member role). A lookup
/// that fails (no permission, throttled) is an alert without the alias, never a failed check, and is tried again later.
/// </summary>
public sealed class AccountAliases(Func<string, AccountAliasClient> clientFor)
{
    private readonly ConcurrentDictionary<string, string?> _known = new(StringComparer.Ordinal);

    public async Task<string?> AliasOfAsync(string account, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        if (_known.TryGetValue(account, out var known))
        {
            return known;
        }

        try
        {
            using var client = clientFor(account);
            var alias = await client.GetAliasAsync(cancellationToken).ConfigureAwait(false);
            _known[account] = alias;
            return alias;
        }
        catch (Exception e) when (e is AwsServiceException or MemberAccountUnavailableException or HttpRequestException)
        {
            return null;
        }
    }
}
