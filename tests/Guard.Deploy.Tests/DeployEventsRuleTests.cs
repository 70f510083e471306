using System.Text.Json;

namespace Guard.Deploy.Tests;

/// <summary>The EventBridge rule that brings every Lambda deploy (through CloudTrail) to Guard, and its failure path.</summary>
public sealed class DeployEventsRuleTests
{
    [Fact]
    public async Task EventPattern_EventNames_MatchTheDeployCallsByPrefix()
    {
        var pattern = (await CloudFormationTemplate.LoadAsync(Repository.TemplatePath)).Properties("DeployEventsRule").GetProperty("EventPattern");

        var eventNames = pattern.GetProperty("detail").GetProperty("eventName").EnumerateArray()
            .Select(name => name.GetProperty("prefix").GetString())
            .Order(StringComparer.Ordinal);

        // CloudTrail adds a version suffix (UpdateFunctionCode20150331v2) that may change: never match exact names.
        // PublishVersion is how code reaches a capacity provider (Lambda Managed Instances run published versions only).
        Assert.Equal(["CreateFunction", "PublishVersion", "UpdateFunctionCode", "UpdateFunctionConfiguration"], eventNames);
    }

    [Fact]
    public async Task EventPattern_Source_IsCloudTrailLambdaCalls()
    {
        var pattern = (await CloudFormationTemplate.LoadAsync(Repository.TemplatePath)).Properties("DeployEventsRule").GetProperty("EventPattern");

        Assert.Equal(["aws.lambda"], Strings(pattern.GetProperty("source")));
        Assert.Equal(["AWS API Call via CloudTrail"], Strings(pattern.GetProperty("detail-type")));
        Assert.Equal(["lambda.amazonaws.com"], Strings(pattern.GetProperty("detail").GetProperty("eventSource")));
    }

    [Fact]
    public async Task RuleTarget_GuardFunction_RetriesThenDeadLettersToQueueThatAllowsTheRule()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);

        var target = Assert.Single(template.Properties("DeployEventsRule").GetProperty("Targets").EnumerateArray());
        Assert.True(CloudFormationTemplate.IsGetAtt(target.GetProperty("Arn"), "GuardFunction", "Arn"));
        Assert.True(target.GetProperty("RetryPolicy").GetProperty("MaximumRetryAttempts").GetInt32() > 0);
        var deadLetter = target.GetProperty("DeadLetterConfig").GetProperty("Arn");
        Assert.True(CloudFormationTemplate.IsGetAtt(deadLetter, "FailedChecksQueue", "Arn"));

        var queuePolicy = template.ResourcesOfType("AWS::SQS::QueuePolicy")
            .Select(policy => policy.Resource.GetProperty("Properties"))
            .Single(properties => properties.GetProperty("Queues").EnumerateArray().Any(queue => CloudFormationTemplate.IsRefTo(queue, "FailedChecksQueue")));
        var fromEventBridge = queuePolicy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()
            .Single(statement => statement.GetProperty("Effect").GetString() == "Allow"
                && statement.GetProperty("Principal").GetProperty("Service").GetString() == "events.amazonaws.com");
        Assert.Equal("sqs:SendMessage", fromEventBridge.GetProperty("Action").GetString());
        var sourceArns = CloudFormationTemplate.Items(fromEventBridge.GetProperty("Condition").GetProperty("ArnEquals").GetProperty("aws:SourceArn"));
        Assert.Contains(sourceArns, arn => CloudFormationTemplate.IsGetAtt(arn, "DeployEventsRule", "Arn"));
    }

    [Fact]
    public async Task RuleTarget_InvokePermission_ScopedToTheRule()
    {
        var template = await CloudFormationTemplate.LoadAsync(Repository.TemplatePath);

        var permission = template.ResourcesOfType("AWS::Lambda::Permission")
            .Select(resource => resource.Resource.GetProperty("Properties"))
            .Single(properties => CloudFormationTemplate.IsGetAtt(properties.GetProperty("SourceArn"), "DeployEventsRule", "Arn"));

        Assert.Equal("events.amazonaws.com", permission.GetProperty("Principal").GetString());
        Assert.True(CloudFormationTemplate.IsRefTo(permission.GetProperty("FunctionName"), "GuardFunction"));
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(value => value.GetString() ?? "")];
}
