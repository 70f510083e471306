using Guard.Function.Rollback;
using Guard.Function.Routing;

namespace Guard.Function.Tests.Rollback;

public sealed class GuardIdentityTests
{
    private const string Central = "123456789012";
    private const string Member = "111111111111";
    private const string Other = "222222222222";
    private const string GuardRole = $"arn:aws:iam::{Central}:role/guard-GuardFunctionRole-1ABC";

    private static readonly GuardIdentity Organization = new(GuardRole, "GuardMember");

    /// <summary>A session as CloudTrail records it: its own ARN, and the role STS issued it for (null: no sessionIssuer).</summary>
    private static UserIdentity Session(string sessionArn, string? issuer, string type = "AssumedRole") =>
        new(type, sessionArn, sessionArn.Split(':')[4], "AROA:x", null, null, issuer is null ? null : new SessionContext(new SessionIssuer(issuer)));

    public static TheoryData<string, string, string?> Spoofs => new()
    {
        // The session name is Guard's function name; the role is someone else's.
        { "session named like Guard's function", $"arn:aws:sts::{Member}:assumed-role/deployer/guard-GuardFunction-XYZ", $"arn:aws:iam::{Member}:role/deployer" },
        // A role named exactly like Guard's, in another account.
        { "Guard's role name in another account", $"arn:aws:sts::{Other}:assumed-role/guard-GuardFunctionRole-1ABC/guard-GuardFunction-XYZ", $"arn:aws:iam::{Other}:role/guard-GuardFunctionRole-1ABC" },
        // A role named like the member role, in an account that is not the event's.
        { "GuardMember of another account", $"arn:aws:sts::{Other}:assumed-role/GuardMember-us-east-1/guard-fn", $"arn:aws:iam::{Other}:role/GuardMember-us-east-1" },
        // The member role's name under a path: the session ARN (which drops the path) is the member role's to the letter.
        { "path-prefixed look-alike", $"arn:aws:sts::{Member}:assumed-role/GuardMember-us-east-1/guard-fn", $"arn:aws:iam::{Member}:role/ci/GuardMember-us-east-1" },
        { "path-prefixed look-alike of Guard's role", $"arn:aws:sts::{Central}:assumed-role/guard-GuardFunctionRole-1ABC/guard-fn", $"arn:aws:iam::{Central}:role/x/guard-GuardFunctionRole-1ABC" },
        // Guard's own assumed-role ARN, but no sessionIssuer to say which role issued it.
        { "assumed-role ARN without sessionIssuer", $"arn:aws:sts::{Central}:assumed-role/guard-GuardFunctionRole-1ABC/guard-GuardFunction-XYZ", null },
        // The member role of another Region: not the one Guard acts as for this event.
        { "member role of another Region", $"arn:aws:sts::{Member}:assumed-role/GuardMember-eu-west-1/guard-fn", $"arn:aws:iam::{Member}:role/GuardMember-eu-west-1" },
        // The bare member role name, as the member stack named it before one role per Region.
        { "member role without its Region", $"arn:aws:sts::{Member}:assumed-role/GuardMember/guard-fn", $"arn:aws:iam::{Member}:role/GuardMember" },
    };

    [Theory]
    [MemberData(nameof(Spoofs))]
    public void IsGuardsRole_SpoofedIdentity_False(string why, string sessionArn, string? issuer)
    {
        Assert.False(Organization.IsGuardsRole(Session(sessionArn, issuer), Member, "us-east-1"), why);
    }

    [Fact]
    public void IsGuardsRole_ExactlyGuardsRole_True()
    {
        var session = Session($"arn:aws:sts::{Central}:assumed-role/guard-GuardFunctionRole-1ABC/anything", GuardRole);

        Assert.True(Organization.IsGuardsRole(session, Central, "us-east-1"));
    }

    [Fact]
    public void IsGuardsRole_ExactlyTheEventAccountsMemberRoleOfItsRegion_True()
    {
        var session = Session($"arn:aws:sts::{Member}:assumed-role/GuardMember-us-east-1/anything", $"arn:aws:iam::{Member}:role/GuardMember-us-east-1");

        Assert.True(Organization.IsGuardsRole(session, Member, "us-east-1"));
    }

    [Fact]
    public void IsGuardsRole_MemberRoleInGuardsOwnAccount_False()
    {
        // In its own account Guard acts as its own role, never through a member role.
        var session = Session($"arn:aws:sts::{Central}:assumed-role/GuardMember-us-east-1/guard-fn", $"arn:aws:iam::{Central}:role/GuardMember-us-east-1");

        Assert.False(Organization.IsGuardsRole(session, Central, "us-east-1"));
    }

    [Fact]
    public void IsGuardsRole_MemberRoleOutsideOrganizationMode_False()
    {
        var session = Session($"arn:aws:sts::{Member}:assumed-role/GuardMember-us-east-1/guard-fn", $"arn:aws:iam::{Member}:role/GuardMember-us-east-1");

        Assert.False(new GuardIdentity(GuardRole).IsGuardsRole(session, Member, "us-east-1"));
    }

    [Fact]
    public void IsGuardsRole_IssuerIsGuardsRoleButNotAnAssumedRoleSession_False()
    {
        Assert.False(Organization.IsGuardsRole(Session($"arn:aws:iam::{Central}:user/guard", GuardRole, type: "IAMUser"), Central, "us-east-1"));
    }
}
