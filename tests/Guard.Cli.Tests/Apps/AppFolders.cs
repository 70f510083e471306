using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// App folders laid out as the tools leave them, for what the real outputs of <see cref="ToolOutputCheckTests"/>
/// (cdk synth, serverless package, built by build/tool-apps.sh) do not hold: a zip asset, a bootstrap without its
/// execute bit, a managed-runtime function, an asset or zip that is gone, a service packaged individually or as one
/// zip of its own. A CDK cloud assembly (<c>cdk.out/</c>) and a Serverless Framework package folder (<c>.serverless/</c>).
/// </summary>
internal static class AppFolders
{
    public const string OrdersAsset = "asset.3f2a9c1e5b7d4a6f8e0c2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a";
    public const string BillingAsset = "asset.7c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d.zip";
    public const string ReportsAsset = "asset.9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";
    public const string LedgerAsset = "asset.b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4";
    public const string ExportAsset = "asset.d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6";

    /// <summary>manifest.json of cdk synth (cloud assembly schema 38) for one stack, OrdersStack.</summary>
    public const string CdkManifest = """
    {
      "version": "38.0.1",
      "artifacts": {
        "OrdersStack.assets": {
          "type": "cdk:asset-manifest",
          "properties": {
            "file": "OrdersStack.assets.json",
            "requiresBootstrapStackVersion": 6,
            "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version"
          }
        },
        "OrdersStack": {
          "type": "aws:cloudformation:stack",
          "environment": "aws://unknown-account/unknown-region",
          "properties": {
            "templateFile": "OrdersStack.template.json",
            "terminationProtection": false,
            "validateOnSynth": false,
            "assumeRoleArn": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-deploy-role-${AWS::AccountId}-${AWS::Region}",
            "cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}",
            "stackTemplateAssetObjectUrl": "s3://cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}/5e1f0c9a3b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f2a4c6e8b0d1f3a.json",
            "requiresBootstrapStackVersion": 6,
            "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version",
            "additionalDependencies": ["OrdersStack.assets"]
          },
          "dependencies": ["OrdersStack.assets"],
          "metadata": {
            "/OrdersStack/OrdersFunction/Resource": [{ "type": "aws:cdk:logicalId", "data": "OrdersFunction1A2B3C4D" }]
          },
          "displayName": "OrdersStack"
        },
        "Tree": {
          "type": "cdk:tree",
          "properties": { "file": "tree.json" }
        }
      }
    }
    """;

    /// <summary>
    /// OrdersStack.template.json: a folder asset that starts, a folder asset whose bootstrap lost its execute bit, a
    /// zip asset, a Python function, and a function whose asset folder is gone. Code names the bootstrap bucket throughout.
    /// </summary>
    public const string CdkStackTemplate = $$"""
    {
      "Resources": {
        "FunctionRole4B9C1D2E": {
          "Type": "AWS::IAM::Role",
          "Properties": {
            "AssumeRolePolicyDocument": {
              "Statement": [{ "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" } }],
              "Version": "2012-10-17"
            },
            "ManagedPolicyArns": [
              { "Fn::Join": ["", ["arn:", { "Ref": "AWS::Partition" }, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]] }
            ]
          },
          "Metadata": { "aws:cdk:path": "OrdersStack/FunctionRole/Resource" }
        },
        "OrdersFunction1A2B3C4D": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Architectures": ["arm64"],
            "Code": {
              "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
              "S3Key": "3f2a9c1e5b7d4a6f8e0c2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a.zip"
            },
            "Handler": "bootstrap",
            "Role": { "Fn::GetAtt": ["FunctionRole4B9C1D2E", "Arn"] },
            "Runtime": "provided.al2023"
          },
          "Metadata": {
            "aws:cdk:path": "OrdersStack/OrdersFunction/Resource",
            "aws:asset:path": "{{OrdersAsset}}",
            "aws:asset:is-bundled": false,
            "aws:asset:property": "Code"
          }
        },
        "BillingFunction5E6F7A8B": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
              "S3Key": "7c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d.zip"
            },
            "Handler": "bootstrap",
            "Role": { "Fn::GetAtt": ["FunctionRole4B9C1D2E", "Arn"] },
            "Runtime": "provided.al2023"
          },
          "Metadata": {
            "aws:cdk:path": "OrdersStack/BillingFunction/Resource",
            "aws:asset:path": "{{BillingAsset}}",
            "aws:asset:is-bundled": false,
            "aws:asset:property": "Code"
          }
        },
        "LedgerFunction9C0D1E2F": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Architectures": ["arm64"],
            "Code": {
              "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
              "S3Key": "b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4.zip"
            },
            "Handler": "bootstrap",
            "Role": { "Fn::GetAtt": ["FunctionRole4B9C1D2E", "Arn"] },
            "Runtime": "provided.al2023"
          },
          "Metadata": {
            "aws:cdk:path": "OrdersStack/LedgerFunction/Resource",
            "aws:asset:path": "{{LedgerAsset}}",
            "aws:asset:is-bundled": false,
            "aws:asset:property": "Code"
          }
        },
        "ReportsFunction3A4B5C6D": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
              "S3Key": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d.zip"
            },
            "Handler": "index.handler",
            "Role": { "Fn::GetAtt": ["FunctionRole4B9C1D2E", "Arn"] },
            "Runtime": "python3.12"
          },
          "Metadata": {
            "aws:cdk:path": "OrdersStack/ReportsFunction/Resource",
            "aws:asset:path": "{{ReportsAsset}}",
            "aws:asset:is-bundled": false,
            "aws:asset:property": "Code"
          }
        },
        "ExportFunction7E8F9A0B": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" },
              "S3Key": "d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6.zip"
            },
            "Handler": "bootstrap",
            "Role": { "Fn::GetAtt": ["FunctionRole4B9C1D2E", "Arn"] },
            "Runtime": "provided.al2023"
          },
          "Metadata": {
            "aws:cdk:path": "OrdersStack/ExportFunction/Resource",
            "aws:asset:path": "{{ExportAsset}}",
            "aws:asset:is-bundled": false,
            "aws:asset:property": "Code"
          }
        }
      },
      "Parameters": {
        "BootstrapVersion": {
          "Type": "AWS::SSM::Parameter::Value<String>",
          "Default": "/cdk-bootstrap/hnb659fds/version",
          "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"
        }
      },
      "Rules": {
        "CheckBootstrapVersion": {
          "Assertions": [
            {
              "Assert": { "Fn::Not": [{ "Fn::Contains": [["1", "2", "3", "4", "5"], { "Ref": "BootstrapVersion" }] }] },
              "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."
            }
          ]
        }
      }
    }
    """;

    /// <summary>
    /// .serverless/cloudformation-template-update-stack.json of a service packaged individually
    /// (<c>package: individually: true</c>): one zip per function, named after it.
    /// </summary>
    public const string ServerlessTemplate = """
    {
      "AWSTemplateFormatVersion": "2010-09-09",
      "Description": "The AWS CloudFormation template for this Serverless application",
      "Resources": {
        "ServerlessDeploymentBucket": {
          "Type": "AWS::S3::Bucket",
          "Properties": {
            "BucketEncryption": { "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }] }
          }
        },
        "IamRoleLambdaExecution": {
          "Type": "AWS::IAM::Role",
          "Properties": {
            "AssumeRolePolicyDocument": {
              "Version": "2012-10-17",
              "Statement": [{ "Effect": "Allow", "Principal": { "Service": ["lambda.amazonaws.com"] }, "Action": ["sts:AssumeRole"] }]
            },
            "Path": "/",
            "RoleName": { "Fn::Join": ["-", ["svc", "dev", { "Ref": "AWS::Region" }, "lambdaRole"]] }
          }
        },
        "ApiLambdaFunction": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Ref": "ServerlessDeploymentBucket" },
              "S3Key": "serverless/svc/dev/1700000000000-2023-11-14T22:13:20.000Z/api.zip"
            },
            "Handler": "bootstrap",
            "Runtime": "provided.al2023",
            "FunctionName": "svc-dev-api",
            "MemorySize": 1024,
            "Timeout": 6,
            "Architectures": ["arm64"],
            "Role": { "Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"] }
          }
        },
        "WorkerLambdaFunction": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Ref": "ServerlessDeploymentBucket" },
              "S3Key": "serverless/svc/dev/1700000000000-2023-11-14T22:13:20.000Z/worker.zip"
            },
            "Handler": "bootstrap",
            "Runtime": "provided.al2023",
            "FunctionName": "svc-dev-worker",
            "MemorySize": 1024,
            "Timeout": 6,
            "Architectures": ["arm64"],
            "Role": { "Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"] }
          }
        },
        "CleanupLambdaFunction": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Code": {
              "S3Bucket": { "Ref": "ServerlessDeploymentBucket" },
              "S3Key": "serverless/svc/dev/1700000000000-2023-11-14T22:13:20.000Z/cleanup.zip"
            },
            "Handler": "bootstrap",
            "Runtime": "provided.al2023",
            "FunctionName": "svc-dev-cleanup",
            "MemorySize": 1024,
            "Timeout": 6,
            "Architectures": ["arm64"],
            "Role": { "Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"] }
          }
        }
      },
      "Outputs": {
        "ServerlessDeploymentBucketName": { "Value": { "Ref": "ServerlessDeploymentBucket" }, "Export": { "Name": "sls-svc-dev-ServerlessDeploymentBucketName" } }
      }
    }
    """;

    /// <summary>
    /// cdk.out as cdk synth leaves it: OrdersFunction's folder asset starts (arm64), LedgerFunction's bootstrap is not
    /// executable, BillingFunction's zip asset starts (x86_64), ReportsFunction is Python, ExportFunction's asset is gone.
    /// </summary>
    public static string WriteCdkOut(Scratch scratch)
    {
        scratch.Write("cdk.out/cdk.out", """{"version":"38.0.1"}""");
        scratch.Write("cdk.out/manifest.json", CdkManifest);
        scratch.Write("cdk.out/OrdersStack.assets.json", """{"version":"38.0.1","files":{},"dockerImages":{}}""");
        scratch.Write("cdk.out/tree.json", """{"version":"tree-0.1","tree":{"id":"App","path":""}}""");
        scratch.Write("cdk.out/OrdersStack.template.json", CdkStackTemplate);
        scratch.Write($"cdk.out/{OrdersAsset}/bootstrap", TestApps.Arm64, Scratch.Executable);
        scratch.Write($"cdk.out/{LedgerAsset}/bootstrap", TestApps.Arm64, Scratch.Regular);
        scratch.Write($"cdk.out/{BillingAsset}", new PackageBuilder().AddFile("bootstrap", TestApps.X8664, PackageBuilder.ExecutableMode).ToArray());
        scratch.Write($"cdk.out/{ReportsAsset}/index.py", "def handler(event, context):\n    return {}\n");
        return scratch.PathOf("cdk.out");
    }

    /// <summary>.serverless as serverless package leaves it: api.zip starts, worker.zip's bootstrap is not executable, cleanup.zip is missing.</summary>
    public static string WriteServerless(Scratch scratch)
    {
        scratch.Write(".serverless/cloudformation-template-update-stack.json", ServerlessTemplate);
        scratch.Write(".serverless/cloudformation-template-create-stack.json", """{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"ServerlessDeploymentBucket":{"Type":"AWS::S3::Bucket"}}}""");
        scratch.Write(".serverless/serverless-state.json", """{"service":{"service":"svc","provider":{"stage":"dev"}},"package":{"individually":true}}""");
        scratch.Write(".serverless/api.zip", new PackageBuilder().AddFile("bootstrap", TestApps.Arm64, PackageBuilder.ExecutableMode).ToArray());
        scratch.Write(".serverless/worker.zip", new PackageBuilder().AddFile("bootstrap", TestApps.Arm64, PackageBuilder.RegularFileMode).ToArray());
        return scratch.PathOf(".serverless");
    }
}
