using System.Text.Json.Nodes;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>
/// EventBridge "AWS API Call via CloudTrail" events built from the real UpdateFunctionCode record quoted in
/// a recorded UpdateFunctionCode event (a stratus-red-team detonation), with the standard EventBridge envelope around it; only the
/// names, digests and identity are changed per test.
/// </summary>
public static class CloudTrailEvents
{
    public const string Account = FunctionCatalogStandIn.Account;
    public const string Region = FunctionCatalogStandIn.Region;

    private const string RealRecord = """
        {
          "awsRegion": "ap-westeast-2r",
          "eventCategory": "Management",
          "eventID": "4672b74f-2466-4784-b3fb-5b4db904a995",
          "eventName": "UpdateFunctionCode20150331v2",
          "eventSource": "lambda.amazonaws.com",
          "eventTime": "2024-08-01T13:52:02Z",
          "eventType": "AwsApiCall",
          "eventVersion": "1.08",
          "managementEvent": true,
          "readOnly": false,
          "recipientAccountId": "266106314375",
          "requestID": "4ae683f5-13be-4305-8267-0d2fc47dd663",
          "requestParameters": {
            "dryRun": false,
            "fullyQualifiedArn": {
              "arnPrefix": {"account": "266106314375", "partition": "aws", "region": "ap-westeast-2r"},
              "functionQualifier": {},
              "relativeId": {"functionName": "stratus-red-team-olc-func-vayhjqkdav"}
            },
            "functionName": "arn:aws:lambda:ap-westeast-2r:266106314375:function:stratus-red-team-olc-func-vayhjqkdav",
            "publish": true
          },
          "responseElements": {
            "architectures": ["x86_64"],
            "codeSha256": "Pt1c8vVaBygmNtAeSyjlpdy7r8nHRqJAAL++HEGlQkc=",
            "codeSize": 211,
            "description": "",
            "environment": {},
            "ephemeralStorage": {"size": 512},
            "functionArn": "arn:aws:lambda:ap-westeast-2r:266106314375:function:stratus-red-team-olc-func-vayhjqkdav:1",
            "functionName": "stratus-red-team-olc-func-vayhjqkdav",
            "handler": "lambda.lambda_handler",
            "lastModified": "2024-08-01T13:52:02.000+0000",
            "loggingConfig": {"logFormat": "Text", "logGroup": "/aws/lambda/stratus-red-team-olc-func-vayhjqkdav"},
            "memorySize": 128,
            "packageType": "Zip",
            "revisionId": "80497f44-ab61-49ef-b235-4166136e3d10",
            "role": "arn:aws:iam::266106314375:role/stratus-red-team-olc-lambda-vayhjqkdav",
            "runtime": "python3.9",
            "runtimeVersionConfig": {"runtimeVersionArn": "arn:aws:lambda:ap-westeast-2r::runtime:be9e"},
            "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
            "state": "Pending",
            "stateReason": "The function is being created.",
            "stateReasonCode": "Creating",
            "timeout": 3,
            "tracingConfig": {"mode": "PassThrough"},
            "version": "1"
          },
          "sourceIPAddress": "253.8.50.132",
          "tlsDetails": {"cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "lambda.ap-westeast-2r.amazonaws.com", "tlsVersion": "TLSv1.3"},
          "userAgent": "stratus-red-team_856369f3",
          "userIdentity": {"accessKeyId": "AKIAEXAMPLE", "accountId": "266106314375",
                           "arn": "arn:aws:iam::266106314375:user/christophe",
                           "principalId": "AIDAEXAMPLE", "type": "IAMUser", "userName": "christophe"}
        }
        """;

    /// <summary>The real record, verbatim, in its envelope.</summary>
    public static string Verbatim() => Envelope(JsonNode.Parse(RealRecord)!.AsObject(), "ap-westeast-2r").ToJsonString();

    /// <summary>
    /// The real record re-aimed at <paramref name="functionName"/> in <paramref name="account"/>/<paramref name="region"/>:
    /// the event name (with its version suffix), the digest the call produced, and the runtime it reported.
    /// </summary>
    public static string Deploy(
        string eventName,
        string functionName,
        string codeSha256,
        string account = Account,
        string region = Region,
        string runtime = "provided.al2023",
        string? errorCode = null,
        bool functionNameAsArn = true,
        string? invokedBy = null,
        string? identityArn = null,
        string? sessionIssuerArn = null,
        (string Bucket, string Key, string? Version)? s3Code = null,
        string? revisionId = null,
        string? imageUri = null)
    {
        var record = JsonNode.Parse(RealRecord)!.AsObject();
        var arn = $"arn:aws:lambda:{region}:{account}:function:{functionName}";
        record["eventName"] = eventName;
        record["awsRegion"] = region;
        record["recipientAccountId"] = account;
        record["eventID"] = Guid.NewGuid().ToString();
        var request = record["requestParameters"]!.AsObject();
        request["functionName"] = functionNameAsArn ? arn : functionName;
        request["fullyQualifiedArn"]!["arnPrefix"]!["account"] = account;
        request["fullyQualifiedArn"]!["arnPrefix"]!["region"] = region;
        request["fullyQualifiedArn"]!["relativeId"]!["functionName"] = functionName;
        var response = record["responseElements"]!.AsObject();
        response["functionName"] = functionName;
        response["functionArn"] = arn + ":1";
        response["codeSha256"] = codeSha256;
        response["runtime"] = runtime;
        response["handler"] = "bootstrap";
        response["role"] = $"arn:aws:iam::{account}:role/{functionName}-role";
        if (revisionId is not null)
        {
            response["revisionId"] = revisionId;
        }

        if (imageUri is not null)
        {
            // An image deploy: the code is named by its ImageUri, and the function has no runtime or handler.
            request["code"] = new JsonObject { ["imageUri"] = imageUri };
            response.Remove("runtime");
            response.Remove("handler");
            response["packageType"] = "Image";
        }
        var identity = record["userIdentity"]!.AsObject();
        identity["accountId"] = account;
        identity["arn"] = $"arn:aws:iam::{account}:user/christophe";
        if (invokedBy is not null)
        {
            identity["invokedBy"] = invokedBy;
        }

        if (identityArn is not null)
        {
            // An assumed-role session (what a Lambda function's own calls look like).
            identity["type"] = "AssumedRole";
            identity["arn"] = identityArn;
            if (sessionIssuerArn is not null)
            {
                identity["sessionContext"] = new JsonObject
                {
                    ["sessionIssuer"] = new JsonObject { ["type"] = "Role", ["arn"] = sessionIssuerArn, ["accountId"] = account },
                };
            }
        }

        if (s3Code is { } s3)
        {
            // UpdateFunctionCode puts the S3 source at the top of requestParameters, CreateFunction under code (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html).
            var source = request;
            if (eventName.StartsWith("CreateFunction", StringComparison.Ordinal))
            {
                source = new JsonObject();
                request["code"] = source;
            }

            source["s3Bucket"] = s3.Bucket;
            source["s3Key"] = s3.Key;
            if (s3.Version is not null)
            {
                source["s3ObjectVersion"] = s3.Version;
            }
        }

        if (errorCode is not null)
        {
            // Failed calls carry errorCode/errorMessage and no responseElements (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html).
            record["errorCode"] = errorCode;
            record["errorMessage"] = "simulated failure";
            record["responseElements"] = null;
        }

        return Envelope(record, region).ToJsonString();
    }

    private static JsonObject Envelope(JsonObject record, string region) => new()
    {
        ["version"] = "0",
        ["id"] = Guid.NewGuid().ToString(),
        ["detail-type"] = "AWS API Call via CloudTrail",
        ["source"] = "aws.lambda",
        ["account"] = record["recipientAccountId"]!.GetValue<string>(),
        ["time"] = record["eventTime"]!.GetValue<string>(),
        ["region"] = region,
        ["resources"] = new JsonArray(),
        ["detail"] = record,
    };
}
