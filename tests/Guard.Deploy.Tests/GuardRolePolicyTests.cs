using System.Text.Json;
using Guard.Aws;

namespace Guard.Deploy.Tests;

/// <summary>
/// The Guard function's role grants what Guard's code calls — <see cref="AwsActions.All"/> — and nothing more.
/// The only other grants are what Lambda itself does with the role (write the function's logs, send failed
/// asynchronous events to the dead-letter queue).
/// </summary>
public sealed class GuardRolePolicyTests
{
    private const string GuardCodePolicy = "guard-code";
    private const string LambdaPlatformPolicy = "lambda-platform";

    private static readonly string[] LambdaPlatformActions = ["logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"];

    [Fact]
    public async Task GuardCodePolicy_Actions_EqualAwsActionsAll()
    {
        var policies = GuardRolePolicies(await CloudFormationTemplate.LoadAsync(Repository.TemplatePath));

        var granted = AllowedActions(policies[GuardCodePolicy]);

        var missing = AwsActions.All.Except(granted, StringComparer.Ordinal).ToArray();
        var extra = granted.Except(AwsActions.All, StringComparer.Ordinal).ToArray();
        Assert.True(
            missing.Length == 0 && extra.Length == 0,
            $"template.yaml's {GuardCodePolicy} policy and Guard.Aws.AwsActions.All disagree. " +
            $"Granted but not in AwsActions.All: [{string.Join(", ", extra)}] (add them to AwsActions if the code calls them, else drop the grant). " +
            $"In AwsActions.All but not granted: [{string.Join(", ", missing)}] (grant them).");
    }

    [Fact]
    public async Task GuardRole_OtherPolicies_OnlyLambdaPlatformActions()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);
        var policies = GuardRolePolicies(template);

        Assert.Equal([GuardCodePolicy, LambdaPlatformPolicy], policies.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(LambdaPlatformActions, AllowedActions(policies[LambdaPlatformPolicy]).Order(StringComparer.Ordinal));
        Assert.False(template.Properties(GuardRoleId(template)).TryGetProperty("ManagedPolicyArns", out _), "the role has managed policies: they grant actions no check sees");
    }

    [Fact]
    public async Task GuardRole_Actions_NameNoWildcards()
    {
        var policies = GuardRolePolicies(await CloudFormationTemplate.LoadAsync(Repository.TemplatePath));

        var wildcards = policies.Values.SelectMany(AllowedActions).Where(action => action.Contains('*', StringComparison.Ordinal)).ToArray();

        Assert.Empty(wildcards);
    }

    [Fact]
    public async Task GuardCodePolicy_LambdaWrites_LimitedToThisAccountsFunctions()
    {
        var policies = GuardRolePolicies(await CloudFormationTemplate.LoadAsync(Repository.TemplatePath));

        var writes = Statements(policies[GuardCodePolicy])
            .Where(statement => Actions(statement).Any(action => action is AwsActions.LambdaUpdateFunctionCode or AwsActions.LambdaUpdateFunctionConfiguration))
            .ToArray();

        Assert.NotEmpty(writes);
        foreach (var statement in writes)
        {
            var resource = statement.GetProperty("Resource");
            Assert.Equal(
                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*",
                resource.GetProperty("Fn::Sub").GetString());
        }
    }

    private static string GuardRoleId(CloudFormationTemplate template)
    {
        var role = template.Properties("GuardFunction").GetProperty("Role");
        Assert.True(role.TryGetProperty("Fn::GetAtt", out var getAtt) && getAtt[1].GetString() == "Arn", $"GuardFunction's Role must be !GetAtt <role>.Arn, not {role}");
        return getAtt[0].GetString()!;
    }

    /// <summary>Every policy attached to the Guard role, inline or as a separate resource, by PolicyName.</summary>
    private static Dictionary<string, JsonElement> GuardRolePolicies(CloudFormationTemplate template)
    {
        var roleId = GuardRoleId(template);
        var policies = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (template.Properties(roleId).TryGetProperty("Policies", out var inline))
        {
            foreach (var policy in CloudFormationTemplate.Items(inline))
            {
                policies.Add(policy.GetProperty("PolicyName").GetString()!, policy.GetProperty("PolicyDocument"));
            }
        }

        foreach (var (logicalId, resource) in template.ResourcesOfType("AWS::IAM::RolePolicy"))
        {
            var properties = resource.GetProperty("Properties");
            if (CloudFormationTemplate.IsRefTo(properties.GetProperty("RoleName"), roleId))
            {
                policies.Add(properties.GetProperty("PolicyName").GetString() ?? logicalId, properties.GetProperty("PolicyDocument"));
            }
        }

        foreach (var type in new[] { "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" })
        {
            foreach (var (logicalId, resource) in template.ResourcesOfType(type))
            {
                var properties = resource.GetProperty("Properties");
                if (properties.TryGetProperty("Roles", out var roles) && CloudFormationTemplate.Items(roles).Any(role => CloudFormationTemplate.IsRefTo(role, roleId)))
                {
                    policies.Add(logicalId, properties.GetProperty("PolicyDocument"));
                }
            }
        }

        return policies;
    }

    private static IEnumerable<JsonElement> Statements(JsonElement policyDocument) =>
        CloudFormationTemplate.Items(policyDocument.GetProperty("Statement"));

    private static IEnumerable<string> Actions(JsonElement statement) =>
        CloudFormationTemplate.Items(statement.GetProperty("Action")).Select(action => action.GetString()!);

    private static HashSet<string> AllowedActions(JsonElement policyDocument)
    {
        var statements = Statements(policyDocument).ToArray();
        Assert.All(statements, statement => Assert.False(statement.TryGetProperty("NotAction", out _), "NotAction grants everything else"));
        return statements
            .Where(statement => statement.GetProperty("Effect").GetString() == "Allow")
            .SelectMany(Actions)
            .ToHashSet(StringComparer.Ordinal);
    }
}
