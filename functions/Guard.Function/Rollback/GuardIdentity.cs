using Guard.Aws.Accounts;
using Guard.Function.Routing;

namespace Guard.Function.Rollback;

/// <summary>
/// Recognises the exact roles Guard acts as, so the CloudTrail event of its own rollback is checked but never acted
/// on again (no rollback of a rollback, no loop). Only exact ARNs count, read from
/// <c>sessionContext.sessionIssuer.arn</c> — the role STS issued the session for, with its path — never from the
/// session's own ARN: its session name is the caller's to choose (<c>--role-session-name</c>, a CI's OIDC session),
/// and so is a role's name in any account the caller controls. The role alone exempts nothing: the deploy check
/// also asks the store whether the event's revision is one Guard recorded making.
/// </summary>
/// <param name="RoleArn"><c>GUARD_ROLE_ARN</c>: Guard's function role, as CloudFormation's <c>GetAtt Arn</c> spells it.</param>
/// <param name="MemberRole">
/// <c>GUARD_MEMBER_ROLE</c> (Organization mode): in another account Guard acts as that account's
/// <c>{MemberRole}-{region}</c>, which only Guard's role may assume.
/// </param>
/// <param name="Partition">The partition of <paramref name="RoleArn"/>.</param>
public sealed record GuardIdentity(string? RoleArn, string? MemberRole = null, string Partition = "aws")
{
    private const string AssumedRole = "AssumedRole";

    /// <summary>Guard's own account: the fifth field of <see cref="RoleArn"/>.</summary>
    private string? OwnAccount => RoleArn?.Split(':') is { Length: > 5 } parts ? parts[4] : null;

    /// <summary>
    /// True when the call was made in a session of exactly Guard's role, or (Organization mode, another account)
    /// exactly the member role of the event's <paramref name="account"/> and <paramref name="region"/>.
    /// </summary>
    /// <param name="account">The account the deploy happened in (from the function's ARN).</param>
    /// <param name="region">The Region the deploy happened in (from the function's ARN).</param>
    public bool IsGuardsRole(UserIdentity? identity, string account, string region)
    {
        if (identity is not { Type: AssumedRole, SessionContext.SessionIssuer.Arn: { Length: > 0 } issuer })
        {
            return false;
        }

        if (RoleArn is { Length: > 0 } role && string.Equals(issuer, role, StringComparison.Ordinal))
        {
            return true;
        }

        // Guard acts in its own account as its own role, so a member role there is not Guard, whatever its name.
        return MemberRole is { Length: > 0 } member
            && !string.Equals(account, OwnAccount, StringComparison.Ordinal)
            && string.Equals(issuer, MemberAccounts.RegionalRoleArn(Partition, account, member, region), StringComparison.Ordinal);
    }
}
