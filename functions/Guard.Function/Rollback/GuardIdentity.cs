using Guard.Function.Routing;

namespace Guard.Function.Rollback;

/// <summary>
/// Recognises calls Guard made itself, so its own rollback's CloudTrail event is checked but never acted on
/// (no rollback of a rollback, no loop). A Lambda function's calls are made in an assumed-role session named
/// after the function: <c>arn:aws:sts::123456789012:assumed-role/{role name}/{function name}</c>, with the role's
/// ARN in <c>sessionContext.sessionIssuer.arn</c>.
/// </summary>
/// <param name="RoleArn"><c>GUARD_ROLE_ARN</c>, when set.</param>
/// <param name="OwnFunctionName"><c>AWS_LAMBDA_FUNCTION_NAME</c>, when running in Lambda.</param>
/// <param name="MemberRole"><c>GUARD_MEMBER_ROLE</c>: in a member account, Guard acts as that role, which only Guard may assume.</param>
public sealed record GuardIdentity(string? RoleArn, string? OwnFunctionName, string? MemberRole = null)
{
    public bool IsGuard(UserIdentity? identity)
    {
        if (MemberRole is { Length: > 0 } member && identity?.Arn is { } memberArn && memberArn.Contains($":assumed-role/{member}/", StringComparison.Ordinal))
        {
            return true;
        }

        if (RoleArn is { } role)
        {
            if (string.Equals(identity?.SessionContext?.SessionIssuer?.Arn, role, StringComparison.Ordinal))
            {
                return true;
            }

            // A role ARN may carry a path (role/service/name); the assumed-role ARN names the role without it.
            var roleName = role[(role.LastIndexOf('/') + 1)..];
            if (identity?.Arn is { } arn && arn.Contains($":assumed-role/{roleName}/", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return OwnFunctionName is { Length: > 0 } name
            && identity?.Arn is { } sessionArn
            && sessionArn.Contains(":assumed-role/", StringComparison.Ordinal)
            && sessionArn.EndsWith("/" + name, StringComparison.Ordinal);
    }
}
