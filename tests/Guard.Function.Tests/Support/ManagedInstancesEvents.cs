using System.Text.Json.Nodes;

namespace Guard.Function.Tests.Support;

/// <summary>
/// CloudTrail events of Lambda Managed Instances deploys, in the EventBridge envelope <see cref="CloudTrailEvents"/> uses.
/// No recorded event of either call was found in public sources, so each record is built from AWS's documented shapes,
/// and what is assumed is said beside it:
/// <list type="bullet">
/// <item>The record's own fields (eventVersion, userIdentity, eventType…) are those of the recorded UpdateFunctionCode
/// record in <see cref="CloudTrailEvents"/>; CloudTrail names Lambda's calls by operation and API version
/// (<c>CreateFunction20150331</c>), so PublishVersion is <c>PublishVersion20150331</c>.</item>
/// <item><c>requestParameters</c> is the call's request in camelCase, as CloudTrail records UpdateFunctionCode's:
/// PublishVersion's body is <c>CodeSha256</c>, <c>Description</c>, <c>PublishTo</c>, <c>RevisionId</c>
/// (https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html); CreateFunction's carries
/// <c>CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig</c>
/// (https://docs.aws.amazon.com/lambda/latest/api/API_LambdaManagedInstancesCapacityProviderConfig.html).</item>
/// <item><c>responseElements</c> is the FunctionConfiguration the call returns, in camelCase: for a publish to
/// <c>$LATEST.PUBLISHED</c>, <c>functionArn</c> ends in <c>:$LATEST.PUBLISHED</c> and <c>version</c> is
/// <c>$LATEST.PUBLISHED</c>, as in the documented <c>publish-version --publish-to LATEST_PUBLISHED</c> output
/// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html); a numbered version
/// is <c>…:3</c> and <c>"3"</c>. The version starts <c>Pending</c> while Lambda starts its execution environments
/// (assumed from https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).</item>
/// </list>
/// </summary>
public static class ManagedInstancesEvents
{
    public const string CapacityProviderArn = $"arn:aws:lambda:{CloudTrailEvents.Region}:{CloudTrailEvents.Account}:capacity-provider:guard-fleet";

    private const string PublishVersionRecord = """
        {
          "awsRegion": "us-east-1",
          "eventCategory": "Management",
          "eventID": "00000000-0000-0000-0000-000000000000",
          "eventName": "PublishVersion20150331",
          "eventSource": "lambda.amazonaws.com",
          "eventTime": "2026-12-01T10:15:00Z",
          "eventType": "AwsApiCall",
          "eventVersion": "1.08",
          "managementEvent": true,
          "readOnly": false,
          "recipientAccountId": "266106314375",
          "requestID": "5f0c8a6e-0d7e-4c5e-9b0e-2f9d6c3a1b7d",
          "requestParameters": {
            "functionName": "my-function",
            "codeSha256": "",
            "description": "",
            "publishTo": "LATEST_PUBLISHED"
          },
          "responseElements": {
            "architectures": ["x86_64"],
            "capacityProviderConfig": {
              "lambdaManagedInstancesCapacityProviderConfig": {
                "capacityProviderArn": "",
                "executionEnvironmentMemoryGiBPerVCpu": 2.0,
                "perExecutionEnvironmentMaxConcurrency": 10
              }
            },
            "codeSha256": "",
            "codeSize": 0,
            "description": "",
            "functionArn": "",
            "functionName": "my-function",
            "handler": "bootstrap",
            "lastModified": "2026-12-01T10:15:00.000+0000",
            "lastUpdateStatus": "Successful",
            "memorySize": 2048,
            "packageType": "Zip",
            "revisionId": "c1b2d3e4-0000-4000-8000-000000000001",
            "role": "",
            "runtime": "provided.al2023",
            "state": "Pending",
            "stateReason": "The function is being created.",
            "stateReasonCode": "Creating",
            "timeout": 30,
            "version": ""
          },
          "sourceIPAddress": "203.0.113.64",
          "userAgent": "aws-cli/2.31.0",
          "userIdentity": {"accessKeyId": "AKIAEXAMPLE", "accountId": "266106314375",
                           "arn": "arn:aws:iam::266106314375:user/christophe",
                           "principalId": "AIDAEXAMPLE", "type": "IAMUser", "userName": "christophe"}
        }
        """;

    private const string CreateFunctionRecord = """
        {
          "awsRegion": "us-east-1",
          "eventCategory": "Management",
          "eventID": "00000000-0000-0000-0000-000000000000",
          "eventName": "CreateFunction20150331",
          "eventSource": "lambda.amazonaws.com",
          "eventTime": "2026-12-01T10:10:00Z",
          "eventType": "AwsApiCall",
          "eventVersion": "1.08",
          "managementEvent": true,
          "readOnly": false,
          "recipientAccountId": "266106314375",
          "requestID": "9a8b7c6d-0d7e-4c5e-9b0e-2f9d6c3a1b7d",
          "requestParameters": {
            "functionName": "my-function",
            "runtime": "provided.al2023",
            "role": "",
            "handler": "bootstrap",
            "code": {},
            "architectures": ["x86_64"],
            "memorySize": 2048,
            "timeout": 30,
            "publish": false,
            "capacityProviderConfig": {
              "lambdaManagedInstancesCapacityProviderConfig": {
                "capacityProviderArn": "",
                "executionEnvironmentMemoryGiBPerVCpu": 2.0,
                "perExecutionEnvironmentMaxConcurrency": 10
              }
            }
          },
          "responseElements": {
            "architectures": ["x86_64"],
            "capacityProviderConfig": {
              "lambdaManagedInstancesCapacityProviderConfig": {
                "capacityProviderArn": "",
                "executionEnvironmentMemoryGiBPerVCpu": 2.0,
                "perExecutionEnvironmentMaxConcurrency": 10
              }
            },
            "codeSha256": "",
            "codeSize": 0,
            "description": "",
            "functionArn": "",
            "functionName": "my-function",
            "handler": "bootstrap",
            "lastModified": "2026-12-01T10:10:00.000+0000",
            "memorySize": 2048,
            "packageType": "Zip",
            "revisionId": "c1b2d3e4-0000-4000-8000-000000000000",
            "role": "",
            "runtime": "provided.al2023",
            "state": "Pending",
            "stateReason": "The function is being created.",
            "stateReasonCode": "Creating",
            "timeout": 30,
            "version": "$LATEST"
          },
          "sourceIPAddress": "203.0.113.64",
          "userAgent": "aws-cli/2.31.0",
          "userIdentity": {"accessKeyId": "AKIAEXAMPLE", "accountId": "266106314375",
                           "arn": "arn:aws:iam::266106314375:user/christophe",
                           "principalId": "AIDAEXAMPLE", "type": "IAMUser", "userName": "christophe"}
        }
        """;

    /// <summary>PublishVersion of <paramref name="functionName"/>'s code <paramref name="codeSha256"/> as <paramref name="version"/> (<c>$LATEST.PUBLISHED</c> or a number).</summary>
    public static string PublishVersion(string functionName, string codeSha256, string version = "$LATEST.PUBLISHED")
    {
        var record = Aimed(PublishVersionRecord, functionName, codeSha256);
        var request = record["requestParameters"]!.AsObject();
        request["codeSha256"] = codeSha256;
        if (version != "$LATEST.PUBLISHED")
        {
            // A numbered version: no PublishTo.
            request.Remove("publishTo");
        }

        var response = record["responseElements"]!.AsObject();
        response["functionArn"] = $"{Arn(functionName)}:{version}";
        response["version"] = version;
        return Envelope(record);
    }

    /// <summary>CreateFunction of <paramref name="functionName"/> on <see cref="CapacityProviderArn"/>, its code uploaded as ZipFile.</summary>
    public static string CreateOnCapacityProvider(string functionName, string codeSha256)
    {
        var record = Aimed(CreateFunctionRecord, functionName, codeSha256);
        record["requestParameters"]!["role"] = Role(functionName);
        record["requestParameters"]!["capacityProviderConfig"]!["lambdaManagedInstancesCapacityProviderConfig"]!["capacityProviderArn"] = CapacityProviderArn;
        record["responseElements"]!["functionArn"] = Arn(functionName);
        return Envelope(record);
    }

    private static JsonObject Aimed(string template, string functionName, string codeSha256)
    {
        var record = JsonNode.Parse(template)!.AsObject();
        record["eventID"] = Guid.NewGuid().ToString();
        record["requestParameters"]!["functionName"] = functionName;
        var response = record["responseElements"]!.AsObject();
        response["functionName"] = functionName;
        response["codeSha256"] = codeSha256;
        response["role"] = Role(functionName);
        response["capacityProviderConfig"]!["lambdaManagedInstancesCapacityProviderConfig"]!["capacityProviderArn"] = CapacityProviderArn;
        return record;
    }

    private static string Arn(string functionName) => $"arn:aws:lambda:{CloudTrailEvents.Region}:{CloudTrailEvents.Account}:function:{functionName}";

    private static string Role(string functionName) => $"arn:aws:iam::{CloudTrailEvents.Account}:role/{functionName}-role";

    private static string Envelope(JsonObject record) => new JsonObject
    {
        ["version"] = "0",
        ["id"] = Guid.NewGuid().ToString(),
        ["detail-type"] = "AWS API Call via CloudTrail",
        ["source"] = "aws.lambda",
        ["account"] = record["recipientAccountId"]!.GetValue<string>(),
        ["time"] = record["eventTime"]!.GetValue<string>(),
        ["region"] = record["awsRegion"]!.GetValue<string>(),
        ["resources"] = new JsonArray(),
        ["detail"] = record,
    }.ToJsonString();
}
