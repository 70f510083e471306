using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Apps;

/// <summary>
/// Real SAM and CloudFormation apps laid out on disk: templates plus the folders and zips they name. Every
/// template here is linted by cfn-lint in <see cref="TemplateLintTests"/> (all but <see cref="MalformedYaml"/>,
/// which is broken on purpose), and the CDK and Serverless Framework templates of <see cref="AppFolders"/>.
/// </summary>
internal static class TestApps
{
    public const string App = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: Orders app for Guard's tests, one function per way a custom-runtime package fails.

    Parameters:
      Arch:
        Type: String
        Default: arm64
        AllowedValues: [x86_64, arm64]

    Globals:
      Function:
        Architectures: [!Ref Arch]
        Timeout: 10

    Resources:
      OrdersFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: provided.al2023
          Handler: bootstrap
          CodeUri: functions/orders/

      MissingBootstrapFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: provided.al2023
          Handler: bootstrap
          CodeUri: functions/missing/

      NotExecutableFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: provided.al2023
          Handler: bootstrap
          CodeUri: functions/not-executable/

      WrongArchFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: provided.al2023
          Handler: bootstrap
          CodeUri: functions/wrong-arch/

      LayerBootstrapFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: provided.al2023
          Handler: bootstrap
          CodeUri: functions/layer-only/
          Layers:
            - !Ref RuntimeLayer

      ReportsFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/reports/
          Runtime: python3.12
          Handler: app.handler

      ThumbnailFunction:
        Type: AWS::Serverless::Function
        Properties:
          PackageType: Image
          ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/thumbnail:latest

      RuntimeLayer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: layers/runtime/
          CompatibleRuntimes: [provided.al2023]
          CompatibleArchitectures: [arm64]
    """;

    public const string GetAtt = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: A function whose Runtime comes from another resource, beside one Guard can check.

    Resources:
      RuntimeName:
        Type: AWS::SSM::Parameter
        Properties:
          Type: String
          Value: provided.al2023

      DynamicFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/orders/
          Handler: bootstrap
          Runtime: !GetAtt RuntimeName.Value

      StaticFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/orders/
          Handler: bootstrap
          Runtime: provided.al2023
    """;

    public const string CloudFormationJson = """
    {
      "AWSTemplateFormatVersion": "2010-09-09",
      "Description": "Plain CloudFormation: one function from S3, one from a local zip (aws cloudformation package input).",
      "Parameters": {
        "CodeBucket": { "Type": "String", "Default": "guard-test-artifacts" }
      },
      "Resources": {
        "Role": {
          "Type": "AWS::IAM::Role",
          "Properties": {
            "AssumeRolePolicyDocument": {
              "Version": "2012-10-17",
              "Statement": [ { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" } ]
            }
          }
        },
        "FromS3Function": {
          "Type": "AWS::Lambda::Function",
          "Properties": {
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Role": { "Fn::GetAtt": ["Role", "Arn"] },
            "Code": { "S3Bucket": { "Ref": "CodeBucket" }, "S3Key": "orders/function.zip" }
          }
        },
        "LocalZipFunction": {
          "Type": "AWS::Lambda::Function",
          "Metadata": { "cfn-lint": { "config": { "ignore_checks": ["W3002"] } } },
          "Properties": {
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": ["arm64"],
            "Role": { "Fn::GetAtt": ["Role", "Arn"] },
            "Code": "dist/function.zip"
          }
        }
      }
    }
    """;

    public const string LayerOrder = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: Globals layers come before the function's own; the last layer with /opt/bootstrap wins.

    Parameters:
      RuntimeVersion:
        Type: String
        Default: provided.al2023

    Globals:
      Function:
        Runtime: !Ref RuntimeVersion
        Handler: bootstrap
        Architectures: [arm64]
        Layers:
          - !Ref BaseLayer

    Resources:
      ApiFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/layer-only/
          Layers:
            - !Ref OverrideLayer
            - arn:aws:lambda:us-east-1:123456789012:layer:insights:21

      BaseLayer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: layers/base/

      OverrideLayer:
        Type: AWS::Serverless::LayerVersion
        Properties:
          ContentUri: layers/override/
    """;

    public const string SourceWithBuildMethod = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: Built with sam build (BuildMethod makefile); the packages are under .aws-sam/build.

    Globals:
      Function:
        Runtime: provided.al2023
        Handler: bootstrap
        Architectures: [x86_64]

    Resources:
      OrdersFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/orders/
        Metadata:
          BuildMethod: makefile

      BillingFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/billing/
        Metadata:
          BuildMethod: makefile
    """;

    public const string Built = """
    AWSTemplateFormatVersion: '2010-09-09'
    Transform: AWS::Serverless-2016-10-31
    Description: Built with sam build (BuildMethod makefile); the packages are under .aws-sam/build.
    Globals:
      Function:
        Runtime: provided.al2023
        Handler: bootstrap
        Architectures:
        - x86_64
    Resources:
      OrdersFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: OrdersFunction
        Metadata:
          BuildMethod: makefile
          SamResourceId: OrdersFunction
      BillingFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: BillingFunction
        Metadata:
          BuildMethod: makefile
          SamResourceId: BillingFunction
    """;

    public const string Legacy = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: Two functions on one runtime parameter; one accepts the deprecation warning for now.

    Parameters:
      RuntimeVersion:
        Type: String
        Default: provided.al2023

    Globals:
      Function:
        Runtime: !Ref RuntimeVersion
        Handler: bootstrap

    Resources:
      LegacyFunction:
        Type: AWS::Serverless::Function
        Metadata:
          guard:
            ignore: [RUNTIME_DEPRECATED]
        Properties:
          CodeUri: functions/legacy/

      CurrentFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/current/
    """;

    public const string ArnLayer = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Description: The bootstrap comes from a custom-runtime layer published elsewhere.

    Resources:
      ApiFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/api/
          Runtime: provided.al2023
          Handler: bootstrap
          Architectures: [arm64]
          Layers:
            - arn:aws:lambda:eu-west-1:123456789012:layer:provided-runtime:3
    """;

    /// <summary>Line 9 has a tab in the indentation: not YAML.</summary>
    public const string MalformedYaml = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: provided.al2023\n      CodeUri: src/\n      Layers:\n\t- !Ref Base\n";

    /// <summary>Every template that must pass cfn-lint, by the name it is written under.</summary>
    public static IReadOnlyList<(string Name, string Text)> Lintable { get; } =
    [
        ("app/template.yaml", App),
        ("getatt/template.yaml", GetAtt),
        ("cfn/template.json", CloudFormationJson),
        ("layers/template.yaml", LayerOrder),
        ("built/template.yaml", SourceWithBuildMethod),
        ("built/.aws-sam/build/template.yaml", Built),
        ("legacy/template.yaml", Legacy),
        ("arn/template.yaml", ArnLayer),
        ("cdk.out/OrdersStack.template.json", AppFolders.CdkStackTemplate),
        ("sls/.serverless/cloudformation-template-update-stack.json", AppFolders.ServerlessTemplate),
    ];

    public static byte[] Arm64 => ElfBuilder.Static(ElfBuilder.Aarch64);

    public static byte[] X8664 => ElfBuilder.Static(ElfBuilder.X8664);

    /// <summary>The orders app: one good function, one per failure class, a layer carrying /opt/bootstrap, a managed-runtime and an image function.</summary>
    public static string WriteApp(Scratch scratch)
    {
        scratch.Write("app/functions/orders/bootstrap", Arm64, Scratch.Executable);
        scratch.Write("app/functions/missing/main", Arm64, Scratch.Executable);
        scratch.Write("app/functions/not-executable/bootstrap", Arm64, Scratch.Regular);
        scratch.Write("app/functions/wrong-arch/bootstrap", X8664, Scratch.Executable);
        scratch.Write("app/functions/layer-only/handler.conf", "mode=api");
        scratch.Write("app/functions/reports/app.py", "def handler(event, context):\n    return {}\n");
        scratch.Write("app/layers/runtime/bootstrap", Arm64, Scratch.Executable);
        return scratch.Write("app/template.yaml", App);
    }

    public static string WriteGetAtt(Scratch scratch)
    {
        scratch.Write("getatt/functions/orders/bootstrap", X8664, Scratch.Executable);
        return scratch.Write("getatt/template.yaml", GetAtt);
    }

    public static string WriteCloudFormationJson(Scratch scratch)
    {
        var zip = new PackageBuilder().AddFile("bootstrap", Arm64, PackageBuilder.ExecutableMode).ToArray();
        scratch.Write("cfn/dist/function.zip", zip);
        return scratch.Write("cfn/template.json", CloudFormationJson);
    }

    /// <summary>Base layer (Globals): an x86_64 /opt/bootstrap; override layer (the function's): an arm64 one, which must win.</summary>
    public static string WriteLayerOrder(Scratch scratch)
    {
        scratch.Write("layers/functions/layer-only/handler.conf", "mode=api");
        scratch.Write("layers/layers/base/bootstrap", X8664, Scratch.Executable);
        scratch.Write("layers/layers/override/bootstrap", Arm64, Scratch.Executable);
        return scratch.Write("layers/template.yaml", LayerOrder);
    }

    /// <summary>Source template with BuildMethod functions; with <paramref name="build"/> also what sam build leaves in .aws-sam/build.</summary>
    public static string WriteSourceWithBuildMethod(Scratch scratch, bool build)
    {
        scratch.Write("built/src/orders/main.go", "package main\n");
        scratch.Write("built/src/orders/Makefile", "build-OrdersFunction:\n\tgo build -o $(ARTIFACTS_DIR)/bootstrap\n");
        scratch.Write("built/src/billing/main.go", "package main\n");
        if (build)
        {
            WriteBuilt(scratch);
        }

        return scratch.Write("built/template.yaml", SourceWithBuildMethod);
    }

    /// <summary>Two good x86_64 functions on the RuntimeVersion parameter; LegacyFunction suppresses RUNTIME_DEPRECATED.</summary>
    public static string WriteLegacy(Scratch scratch)
    {
        scratch.Write("legacy/functions/legacy/bootstrap", X8664, Scratch.Executable);
        scratch.Write("legacy/functions/current/bootstrap", X8664, Scratch.Executable);
        return scratch.Write("legacy/template.yaml", Legacy);
    }

    /// <summary>.aws-sam/build: the built template and one folder per function (billing's bootstrap lost its execute bit).</summary>
    public static string WriteBuilt(Scratch scratch)
    {
        scratch.Write("built/.aws-sam/build/OrdersFunction/bootstrap", X8664, Scratch.Executable);
        scratch.Write("built/.aws-sam/build/BillingFunction/bootstrap", X8664, Scratch.Regular);
        return scratch.Write("built/.aws-sam/build/template.yaml", Built);
    }
}
