using System.Text.Json.Nodes;

namespace Guard.Function.Tests.Support;

/// <summary>
/// CloudFormation requests in the documented shapes: a custom resource request (the Update example of
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html) and a Lambda hook invocation (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html), with the values a test varies.
/// </summary>
public static class StackRequests
{
    public const string StackId = "arn:aws:cloudformation:us-east-1:266106314375:stack/orders-api/6a1b6f20-8d8e-11ef-9c3b-0affd3a1c2e5";
    public const string ServiceToken = "arn:aws:lambda:us-east-1:266106314375:function:guard-GuardFunction-Q1w2E3r4T5y6";
    public const string HookTypeName = "Guard::Lambda::BootstrapCheck";

    /// <summary>A <c>Custom::BootstrapCheck</c> request; <paramref name="properties"/> as CloudFormation sends them (strings).</summary>
    public static string CustomResource(
        string requestType,
        string responseUrl,
        JsonObject? properties = null,
        string logicalId = "PackageCheck",
        string? physicalId = null,
        JsonObject? oldProperties = null,
        string? requestId = null)
    {
        var resourceProperties = properties ?? new JsonObject();
        resourceProperties["ServiceToken"] = ServiceToken;
        var request = new JsonObject
        {
            ["RequestType"] = requestType,
            ["ServiceToken"] = ServiceToken,
            ["ResponseURL"] = responseUrl,
            ["StackId"] = StackId,
            ["RequestId"] = requestId ?? Guid.NewGuid().ToString(),
            ["LogicalResourceId"] = logicalId,
            ["ResourceType"] = "Custom::BootstrapCheck",
            ["ResourceProperties"] = resourceProperties,
        };
        if (physicalId is not null)
        {
            request["PhysicalResourceId"] = physicalId;
        }

        if (oldProperties is not null)
        {
            oldProperties["ServiceToken"] = ServiceToken;
            request["OldResourceProperties"] = oldProperties;
        }

        return request.ToJsonString();
    }

    /// <summary>Custom resource properties for a package in S3, every scalar a string as CloudFormation sends it.</summary>
    public static JsonObject S3Properties(string bucket, string key, string architecture = "x86_64", string runtime = "provided.al2023", string? version = null, string? allowPlaceholder = null, params string[] layers)
    {
        var properties = new JsonObject
        {
            ["S3Bucket"] = bucket,
            ["S3Key"] = key,
            ["Runtime"] = runtime,
            ["Architecture"] = architecture,
        };
        if (version is not null)
        {
            properties["S3ObjectVersion"] = version;
        }

        if (allowPlaceholder is not null)
        {
            properties["AllowPlaceholder"] = allowPlaceholder;
        }

        if (layers.Length > 0)
        {
            properties["Layers"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray());
        }

        return properties;
    }

    /// <summary>An <c>AWS::Lambda::Function</c>'s properties as a hook sees them (requestData.targetModel.resourceProperties).</summary>
    public static JsonObject FunctionProperties(string bucket, string key, string architecture = "x86_64", string runtime = "provided.al2023", string? version = null, params string[] layers)
    {
        var code = new JsonObject { ["S3Bucket"] = bucket, ["S3Key"] = key };
        if (version is not null)
        {
            code["S3ObjectVersion"] = version;
        }

        var properties = new JsonObject
        {
            ["Code"] = code,
            ["Runtime"] = runtime,
            ["Handler"] = "bootstrap",
            ["Role"] = "arn:aws:iam::266106314375:role/orders-api-FunctionRole",
            ["Architectures"] = new JsonArray(architecture),
        };
        if (layers.Length > 0)
        {
            properties["Layers"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray());
        }

        return properties;
    }

    public const string ChangeSetId = "arn:aws:cloudformation:us-east-1:266106314375:changeSet/orders-api-release-42/0f3c9d7e-5b1a-4c2e-9f00-8a7b6c5d4e3f";

    /// <summary>
    /// A change set hook invocation as documented ("Example Lambda Hook change set change input"): the target is the
    /// change set, its changes behind <paramref name="payloadUrl"/>.
    /// </summary>
    public static string ChangeSetHook(string payloadUrl, int invocation = 1, JsonNode? callbackContext = null, string clientRequestToken = "f8da6d11-b23f-48f4-814c-0fb6a667f50e")
    {
        var request = new JsonObject
        {
            ["clientRequestToken"] = clientRequestToken,
            ["awsAccountId"] = "266106314375",
            ["stackId"] = StackId,
            ["changeSetId"] = ChangeSetId,
            ["hookTypeName"] = HookTypeName,
            ["hookTypeVersion"] = "00000001",
            ["hookModel"] = new JsonObject { ["LambdaFunction"] = ServiceToken },
            ["actionInvocationPoint"] = "CREATE_PRE_PROVISION",
            ["requestData"] = new JsonObject
            {
                ["targetName"] = "CHANGE_SET",
                ["targetType"] = "CHANGE_SET",
                ["targetLogicalId"] = ChangeSetId,
                ["payload"] = payloadUrl,
            },
            ["requestContext"] = new JsonObject { ["invocation"] = invocation, ["callbackContext"] = callbackContext },
        };
        return request.ToJsonString();
    }

    /// <summary>
    /// What a change set hook's payload URL serves: the template and <c>changedResources</c>, each context a JSON
    /// string of <c>{"Properties":…}</c> with every number and boolean a string, as documented.
    /// </summary>
    public static byte[] ChangeSetPayload(params JsonObject[] changes) =>
        System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["template"] = "Resources: {}  # not read by Guard",
            ["changedResources"] = new JsonArray([.. changes]),
        }.ToJsonString());

    /// <summary>One entry of <c>changedResources</c>.</summary>
    public static JsonObject Change(string action, string logicalId, JsonObject? after, JsonObject? before = null, string resourceType = "AWS::Lambda::Function", int? lineNumber = 12) =>
        new()
        {
            ["logicalResourceId"] = logicalId,
            ["resourceType"] = resourceType,
            ["action"] = action,
            ["lineNumber"] = action == "DELETE" ? null : lineNumber,
            ["beforeContext"] = before is null ? null : new JsonObject { ["Properties"] = before }.ToJsonString(),
            ["afterContext"] = after is null ? null : new JsonObject { ["Properties"] = after }.ToJsonString(),
        };

    /// <summary>A hook invocation in the documented shape, plus the clientRequestToken every real request carries.</summary>
    public static string Hook(
        string invocationPoint,
        JsonObject? properties,
        JsonObject? previousProperties = null,
        string targetName = "AWS::Lambda::Function",
        string? targetType = null,
        string logicalId = "OrdersFunction",
        int invocation = 1,
        JsonNode? callbackContext = null,
        string clientRequestToken = "123avjdjk31")
    {
        var request = new JsonObject
        {
            ["awsAccountId"] = "266106314375",
            ["stackId"] = StackId,
            ["changeSetId"] = "",
            ["hookTypeName"] = HookTypeName,
            ["hookTypeVersion"] = "00000001",
            ["hookModel"] = new JsonObject { ["LambdaFunction"] = ServiceToken },
            ["actionInvocationPoint"] = invocationPoint,
            ["requestData"] = new JsonObject
            {
                ["targetName"] = targetName,
                ["targetType"] = targetType ?? targetName,
                ["targetLogicalId"] = logicalId,
                ["targetModel"] = new JsonObject
                {
                    ["resourceProperties"] = properties ?? new JsonObject(),
                    ["previousResourceProperties"] = previousProperties ?? new JsonObject(),
                },
            },
            ["requestContext"] = new JsonObject { ["invocation"] = invocation, ["callbackContext"] = callbackContext },
            ["clientRequestToken"] = clientRequestToken,
        };
        return request.ToJsonString();
    }
}
