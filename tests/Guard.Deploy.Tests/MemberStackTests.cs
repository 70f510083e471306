using System.Text.Json;
using Guard.Aws;
using Guard.Aws.Accounts;
using Guard.Aws.Store;

namespace Guard.Deploy.Tests;

/// <summary>
/// Organization mode's member stack (org/member.yaml): its role grants exactly what Guard calls in a member account
/// and trusts only the central Guard role, inside the organization; its rule forwards the central stack's pattern.
/// </summary>
public sealed class MemberStackTests
{
    [Fact]
    public async Task MemberRole_Actions_EqualAwsActionsMemberAccount()
    {
        var role = (await CloudFormationTemplate.LoadAsync(Repository.MemberTemplatePath)).Properties("GuardMemberRole");

        var granted = CloudFormationTemplate.Items(role.GetProperty("Policies"))
            .SelectMany(policy => CloudFormationTemplate.Items(policy.GetProperty("PolicyDocument").GetProperty("Statement")))
            .Where(statement => statement.GetProperty("Effect").GetString() == "Allow")
            .SelectMany(statement => CloudFormationTemplate.Items(statement.GetProperty("Action")).Select(action => action.GetString()!))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(AwsActions.MemberAccount.Order(StringComparer.Ordinal), granted);
        Assert.False(role.TryGetProperty("ManagedPolicyArns", out _), "managed policies grant actions no check sees");
    }

    [Fact]
    public async Task MemberRole_Trust_OnlyTheCentralGuardRoleInTheOrganization()
    {
        var role = (await CloudFormationTemplate.LoadAsync(Repository.MemberTemplatePath)).Properties("GuardMemberRole");

        var statement = Assert.Single(CloudFormationTemplate.Items(role.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement")));

        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        Assert.Equal("sts:AssumeRole", statement.GetProperty("Action").GetString());
        var principal = statement.GetProperty("Principal");
        Assert.Equal(["AWS"], principal.EnumerateObject().Select(p => p.Name));
        Assert.True(CloudFormationTemplate.IsRefTo(principal.GetProperty("AWS"), "GuardRoleArn"), $"the member role must trust only the GuardRoleArn parameter, not {principal}");
        Assert.True(
            CloudFormationTemplate.IsRefTo(statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:PrincipalOrgID"), "OrganizationId"),
            "the trust must be conditioned on the organization id");
    }

    [Fact]
    public async Task ForwardRule_Pattern_IsTheCentralStacksDeployPattern()
    {
        var member = await CloudFormationTemplate.LoadAsync(Repository.MemberTemplatePath);
        var central = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);

        var forwarded = member.Properties("ForwardDeployEventsRule").GetProperty("EventPattern");

        Assert.True(JsonElement.DeepEquals(central.Properties("DeployEventsRule").GetProperty("EventPattern"), forwarded), "member and central deploy patterns differ");
        Assert.True(JsonElement.DeepEquals(central.Properties("OrganizationDeployEventsRule").GetProperty("EventPattern"), forwarded), "the central bus's rule and the member's pattern differ");
    }

    [Fact]
    public async Task CentralStack_OrganizationMode_AssumesOnlyTheMemberRoleInsideTheOrganization()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var statements = CloudFormationTemplate.Items(template.Properties("GuardCodePolicy").GetProperty("PolicyDocument").GetProperty("Statement"));

        var assume = Assert.Single(statements, s => s.TryGetProperty("Action", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() == AwsActions.StsAssumeRole);

        // The member roles of every Region (one each, see MemberRole_Name_OnePerRegionAsGuardAssumesIt), none other.
        Assert.Equal("arn:${AWS::Partition}:iam::*:role/${MemberRoleName}-*", assume.GetProperty("Resource").GetProperty("Fn::Sub").GetString());
        Assert.True(CloudFormationTemplate.IsRefTo(assume.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:ResourceOrgID"), "OrganizationId"));
    }

    [Fact]
    public async Task MemberRole_Name_OnePerRegionAsGuardAssumesIt()
    {
        var role = (await CloudFormationTemplate.LoadAsync(Repository.MemberTemplatePath)).Properties("GuardMemberRole");

        var name = role.GetProperty("RoleName").GetProperty("Fn::Sub").GetString()!;

        // IAM names are global: a fixed name would stop a second Region's stack instance. The name the template gives
        // is the one the central Guard assumes for a deploy in that account and Region.
        Assert.Equal(
            MemberAccounts.RegionalRoleArn("aws", "111111111111", "GuardMember", "eu-west-1"),
            "arn:aws:iam::111111111111:role/" + name.Replace("${MemberRoleName}", "GuardMember", StringComparison.Ordinal).Replace("${AWS::Region}", "eu-west-1", StringComparison.Ordinal));
        Assert.False(role.TryGetProperty("Path", out _), "Guard's identity check compares the role's ARN without a path");
    }

    [Fact]
    public async Task MemberRole_ReadsOnlyItsOwnAccountsCodeCopies()
    {
        var role = (await CloudFormationTemplate.LoadAsync(Repository.MemberTemplatePath)).Properties("GuardMemberRole");
        var statements = CloudFormationTemplate.Items(role.GetProperty("Policies"))
            .SelectMany(policy => CloudFormationTemplate.Items(policy.GetProperty("PolicyDocument").GetProperty("Statement")));

        var s3 = Assert.Single(statements, s => CloudFormationTemplate.Items(s.GetProperty("Action")).Any(a => a.GetString()!.StartsWith("s3:", StringComparison.Ordinal)));

        Assert.Equal([AwsActions.S3GetObject], CloudFormationTemplate.Items(s3.GetProperty("Action")).Select(a => a.GetString()));
        Assert.Equal("arn:${AWS::Partition}:s3:::${StoreBucketName}/code/${AWS::AccountId}/*", s3.GetProperty("Resource").GetProperty("Fn::Sub").GetString());

        // The key a rollback hands Lambda must fall under that grant, or a member account's rollback is AccessDenied.
        var key = CodeKeys.For("210987654321", Convert.ToBase64String(new byte[32]));
        Assert.StartsWith("code/210987654321/", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberRoleName_LeavesRoomForTheRegion()
    {
        foreach (var path in new[] { Repository.TemplatePath, Repository.MemberTemplatePath })
        {
            var pattern = (await CloudFormationTemplate.LoadAsync(path)).Root.GetProperty("Parameters").GetProperty("MemberRoleName").GetProperty("AllowedPattern").GetString()!;

            // "-ap-southeast-7" and the like: 15 characters within IAM's 64.
            Assert.Matches(pattern, new string('r', 48));
            Assert.DoesNotMatch(pattern, new string('r', 49));
        }
    }

    [Fact]
    public async Task CentralStack_OrganizationMode_StoreLetsOnlyMemberRolesReadGoodCode()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var statements = CloudFormationTemplate.Items(template.Properties("StoreBucketPolicy").GetProperty("PolicyDocument").GetProperty("Statement")).ToArray();

        var read = Assert.Single(statements, s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "MemberRolesReadGoodCode");

        Assert.Equal("Allow", read.GetProperty("Effect").GetString());
        Assert.Equal([AwsActions.S3GetObject], CloudFormationTemplate.Items(read.GetProperty("Action")).Select(a => a.GetString()));
        // Each account's role reads only its own account's copies: the policy variable is the caller's account
        // (${!...} is Fn::Sub's escape for a literal ${...}).
        Assert.Equal("${StoreBucket.Arn}/code/${!aws:PrincipalAccount}/*", read.GetProperty("Resource").GetProperty("Fn::Sub").GetString());
        var condition = read.GetProperty("Condition");
        Assert.True(CloudFormationTemplate.IsRefTo(condition.GetProperty("StringEquals").GetProperty("aws:PrincipalOrgID"), "OrganizationId"));
        Assert.Equal("arn:${AWS::Partition}:iam::*:role/${MemberRoleName}-*", condition.GetProperty("ArnLike").GetProperty("aws:PrincipalArn").GetProperty("Fn::Sub").GetString());
        Assert.All(
            CloudFormationTemplate.Items(template.Properties("FailedChecksQueuePolicy").GetProperty("PolicyDocument").GetProperty("Statement")),
            statement => Assert.False(statement.TryGetProperty("Sid", out var sid) && sid.GetString() == "MemberRolesReadGoodCode", "the S3 grant belongs to the store's policy"));
    }

    [Fact]
    public async Task CentralStack_OrganizationRule_DeadLettersToAQueueThatAdmitsIt()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var target = Assert.Single(template.Properties("OrganizationDeployEventsRule").GetProperty("Targets").EnumerateArray());
        Assert.True(CloudFormationTemplate.IsGetAtt(target.GetProperty("DeadLetterConfig").GetProperty("Arn"), "FailedChecksQueue", "Arn"));

        var fromEventBridge = CloudFormationTemplate.Items(template.Properties("FailedChecksQueuePolicy").GetProperty("PolicyDocument").GetProperty("Statement"))
            .Single(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "EventBridgeDeadLetters");
        var sources = CloudFormationTemplate.Items(fromEventBridge.GetProperty("Condition").GetProperty("ArnEquals").GetProperty("aws:SourceArn"));

        Assert.Contains(sources, arn => CloudFormationTemplate.IsGetAtt(arn, "OrganizationDeployEventsRule", "Arn"));
    }
}
