using System.Collections.Concurrent;
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
/// member role there, assumed through STS (<see cref="StsClient"/>) and kept per account and Region until
/// <see cref="RefreshBefore"/> its expiry. Only the central Guard role may assume it (the member stack's trust policy).
/// The member stack names its role <c>{MemberRoleName}-{region}</c> (<see cref="RegionalRoleName"/>): IAM is global,
/// so a second Region's stack instance could not create a role of the same name.
/// </summary>
public sealed class MemberAccounts : IDisposable
{
    /// <summary>An assumed role's credentials are renewed this long before they expire (they last an hour).</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private readonly Lazy<IAwsCredentialsProvider> _own;
    private readonly Lazy<StsClient> _sts;
    private readonly string _roleName;
    private readonly string _sessionName;
    private readonly ConcurrentDictionary<(string Account, string Region), IAwsCredentialsProvider> _members = new();

    /// <param name="ownAccount">Guard's own account: events from it use <paramref name="own"/> directly.</param>
    /// <param name="roleName">
    /// The member role's name; <see cref="RegionPlaceholder"/> in it stands for the Region acted in (the member stack's
    /// <c>GuardMember-{region}</c>, see <see cref="RegionalRoleName"/>).
    /// </param>
    /// <param name="sessionName">Names Guard's sessions in the member accounts' CloudTrail (Guard's function name).</param>
    /// <param name="sts">Made on the first member account (production: <see cref="CreateSts"/>).</param>
    public MemberAccounts(string ownAccount, Func<IAwsCredentialsProvider> own, string roleName, string sessionName, Func<StsClient> sts)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownAccount);
        ArgumentNullException.ThrowIfNull(own);
        ArgumentException.ThrowIfNullOrEmpty(roleName);
        ArgumentNullException.ThrowIfNull(sts);
        OwnAccount = ownAccount;
        _own = new Lazy<IAwsCredentialsProvider>(own, LazyThreadSafetyMode.PublicationOnly);
        _roleName = roleName;
        _sessionName = SessionName(sessionName);
        _sts = new Lazy<StsClient>(sts, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string OwnAccount { get; }

    /// <summary>STS for <paramref name="environment"/> (honours <c>AWS_ENDPOINT_URL_STS</c>), signing with <paramref name="credentials"/>.</summary>
    public static StsClient CreateSts(AwsEnvironment environment, IAwsCredentialsProvider credentials) => StsClient.Create(environment, credentials);

    /// <summary>Stands for the Region in a role name given to <see cref="MemberAccounts"/>.</summary>
    public const string RegionPlaceholder = "{region}";

    /// <summary>The member stack's role in <paramref name="region"/>: <c>GuardMember-us-east-1</c>, one per Region (IAM names are global).</summary>
    public static string RegionalRoleName(string memberRoleName, string region) => $"{memberRoleName}-{region}";

    /// <summary>The exact ARN of the member stack's role in <paramref name="account"/> and <paramref name="region"/>; it has no path.</summary>
    public static string RegionalRoleArn(string partition, string account, string memberRoleName, string region) =>
        $"arn:{partition}:iam::{account}:role/{RegionalRoleName(memberRoleName, region)}";

    /// <summary><c>arn:aws:iam::ACCOUNT:role/GuardMember-REGION</c>: the role assumed to act there.</summary>
    public string RoleArnIn(string account, string region) => $"arn:{Partition}:iam::{account}:role/{_roleName.Replace(RegionPlaceholder, region, StringComparison.Ordinal)}";

    /// <summary>The partition Guard runs in, from its own role's ARN (aws, aws-cn, aws-us-gov).</summary>
    public string Partition { get; init; } = "aws";

    /// <summary>Guard's own credentials for its own account (or none named); otherwise the member role's in <paramref name="region"/>, refreshed as they near expiry.</summary>
    /// <exception cref="FormatException"><paramref name="account"/> is not a 12-digit account id.</exception>
    public IAwsCredentialsProvider For(string? account, string region)
    {
        if (account is null || account == OwnAccount)
        {
            return _own.Value;
        }

        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw new FormatException($"'{account}' is not an AWS account id");
        }

        ArgumentException.ThrowIfNullOrEmpty(region);
        return _members.GetOrAdd((account, region), key => new AssumedRoleCredentials(this, key.Account, key.Region));
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
    private sealed class AssumedRoleCredentials(MemberAccounts accounts, string account, string region) : RefreshingCredentials(MemberAccounts.RefreshBefore)
    {
        protected override async Task<AwsCredentials> RenewAsync()
        {
            var roleArn = accounts.RoleArnIn(account, region);
            RoleSession session;
            try
            {
                session = await accounts._sts.Value.AssumeRoleAsync(roleArn, accounts._sessionName, TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.StatusCode == 0)
            {
                throw new MemberAccountUnavailableException(account, roleArn, $"STS could not be reached ({e.ErrorCode})", e);
            }
            catch (AwsServiceException e)
            {
                throw new MemberAccountUnavailableException(account, roleArn, $"{e.ErrorCode}: {e.ServiceMessage.ReplaceLineEndings(" ")}", e);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw new MemberAccountUnavailableException(account, roleArn, $"STS could not be reached ({e.GetType().Name})", e);
            }

            return session.Credentials;
        }
    }
}
