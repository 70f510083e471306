using System.Collections.Concurrent;
using Amazon.Runtime;
using Guard.Aws.Http;

namespace Guard.Aws.Accounts;

/// <summary>Guard could not act in a member account: its <c>GuardMember</c> role could not be assumed.</summary>
public sealed class MemberAccountUnavailableException(string account, string roleArn, string reason, Exception? inner = null)
    : Exception($"cannot assume {roleArn} in account {account}: {reason}", inner)
{
    public string Account { get; } = account;

    public string RoleArn { get; } = roleArn;
}

/// <summary>
/// Credentials for the accounts of an AWS Organization: Guard's own for its own account, and for any other the
/// <c>GuardMember</c> role there, assumed through STS (<see cref="StsClient"/>) and kept per account until
/// <see cref="RefreshBefore"/> its expiry. Only the central Guard role may assume it (the member stack's trust policy).
/// </summary>
public sealed class MemberAccounts : IDisposable
{
    /// <summary>An assumed role's credentials are renewed this long before they expire (they last an hour).</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly Lazy<AWSCredentials> _own;
    private readonly Lazy<StsClient> _sts;
    private readonly string _roleName;
    private readonly string _sessionName;
    private readonly ConcurrentDictionary<string, AWSCredentials> _members = new(StringComparer.Ordinal);

    /// <param name="ownAccount">Guard's own account: events from it use <paramref name="own"/> directly.</param>
    /// <param name="roleName">The member role's name (<c>GuardMember</c> in the member stack).</param>
    /// <param name="sessionName">Names Guard's sessions in the member accounts' CloudTrail (Guard's function name).</param>
    /// <param name="sts">Made on the first member account (production: <see cref="CreateSts"/>).</param>
    public MemberAccounts(string ownAccount, Func<AWSCredentials> own, string roleName, string sessionName, Func<StsClient> sts)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownAccount);
        ArgumentNullException.ThrowIfNull(own);
        ArgumentException.ThrowIfNullOrEmpty(roleName);
        ArgumentNullException.ThrowIfNull(sts);
        OwnAccount = ownAccount;
        _own = new Lazy<AWSCredentials>(own, LazyThreadSafetyMode.PublicationOnly);
        _roleName = roleName;
        _sessionName = SessionName(sessionName);
        _sts = new Lazy<StsClient>(sts, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string OwnAccount { get; }

    /// <summary>STS for <paramref name="environment"/> (honours <c>AWS_ENDPOINT_URL_STS</c>), signing with <paramref name="credentials"/>.</summary>
    public static StsClient CreateSts(AwsEnvironment environment, AWSCredentials credentials) => StsClient.Create(environment, credentials);

    /// <summary><c>arn:aws:iam::ACCOUNT:role/GuardMember</c>.</summary>
    public string RoleArnIn(string account) => $"arn:{Partition}:iam::{account}:role/{_roleName}";

    /// <summary>The partition Guard runs in, from its own role's ARN (aws, aws-cn, aws-us-gov).</summary>
    public string Partition { get; init; } = "aws";

    /// <summary>Guard's own credentials for its own account (or none named); otherwise the member role's, refreshed as they near expiry.</summary>
    /// <exception cref="FormatException"><paramref name="account"/> is not a 12-digit account id.</exception>
    public AWSCredentials For(string? account)
    {
        if (account is null || account == OwnAccount)
        {
            return _own.Value;
        }

        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw new FormatException($"'{account}' is not an AWS account id");
        }

        return _members.GetOrAdd(account, id => new AssumedRoleCredentials(this, id));
    }

    public void Dispose()
    {
        if (_sts.IsValueCreated)
        {
            _sts.Value.Dispose();
        }
    }

    /// <summary>A session name allows letters, digits and <c>=,.@-</c>, 2 to 64 characters.</summary>
    private static string SessionName(string name)
    {
        var clean = new string([.. (name ?? "guard").Select(c => char.IsAsciiLetterOrDigit(c) || c is '=' or ',' or '.' or '@' or '-' ? c : '-')]);
        return clean.Length switch
        {
            < 2 => "guard",
            > 64 => clean[..64],
            _ => clean,
        };
    }

    /// <summary>One member account's role session: assumed on first use, renewed <see cref="RefreshBefore"/> its expiry.</summary>
    private sealed class AssumedRoleCredentials : RefreshingAWSCredentials
    {
        private readonly MemberAccounts _accounts;
        private readonly string _account;

        public AssumedRoleCredentials(MemberAccounts accounts, string account)
        {
            _accounts = accounts;
            _account = account;
            PreemptExpiryTime = RefreshBefore;
        }

        protected override CredentialsRefreshState GenerateNewCredentials() =>
            GenerateNewCredentialsAsync().GetAwaiter().GetResult();

        protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
        {
            var roleArn = _accounts.RoleArnIn(_account);
            RoleSession session;
            try
            {
                session = await _accounts._sts.Value.AssumeRoleAsync(roleArn, _accounts._sessionName, TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.StatusCode == 0)
            {
                throw new MemberAccountUnavailableException(_account, roleArn, $"STS could not be reached ({e.ErrorCode})", e);
            }
            catch (AwsServiceException e)
            {
                throw new MemberAccountUnavailableException(_account, roleArn, $"{e.ErrorCode}: {e.ServiceMessage.ReplaceLineEndings(" ")}", e);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw new MemberAccountUnavailableException(_account, roleArn, $"STS could not be reached ({e.GetType().Name})", e);
            }

            return new CredentialsRefreshState(session.Credentials, session.Expiration.UtcDateTime);
        }
    }
}
