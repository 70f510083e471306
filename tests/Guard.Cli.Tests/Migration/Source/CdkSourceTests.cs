using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class CdkSourceTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, string, string> Stacks => new()
    {
        {
            "lib/stack.ts",
            """
            import * as lambda from 'aws-cdk-lib/aws-lambda';
            new lambda.Function(this, 'Hello', {
              runtime: lambda.Runtime.GO_1_X, // retired
              handler: 'hello',
              code: lambda.Code.fromAsset('bin/hello'),
            });
            new lambda.Function(this, 'Other', { runtime: Runtime.PROVIDED_AL2, handler: 'x', code: lambda.Code.fromAsset('other') });
            new lambda.Function(this, 'Node', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code });
            """,
            """
            import * as lambda from 'aws-cdk-lib/aws-lambda';
            new lambda.Function(this, 'Hello', {
              runtime: lambda.Runtime.PROVIDED_AL2023, // retired
              handler: 'bootstrap',
              code: lambda.Code.fromAsset('bin/hello'),
            });
            new lambda.Function(this, 'Other', { runtime: Runtime.PROVIDED_AL2023, handler: 'x', code: lambda.Code.fromAsset('other') });
            new lambda.Function(this, 'Node', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code });
            """
        },
        {
            "lib/stack.js",
            "const lambda = require('aws-cdk-lib/aws-lambda');\nnew lambda.Function(this, 'Hello', { runtime: lambda.Runtime.PROVIDED, handler: \"main\", code });\n",
            "const lambda = require('aws-cdk-lib/aws-lambda');\nnew lambda.Function(this, 'Hello', { runtime: lambda.Runtime.PROVIDED_AL2023, handler: \"main\", code });\n"
        },
        {
            "stacks/app_stack.py",
            """
            from aws_cdk import aws_lambda as _lambda
            _lambda.Function(self, "Hello",
                runtime=_lambda.Runtime.GO_1_X,
                handler="hello",
                code=_lambda.Code.from_asset("bin/hello"))
            """,
            """
            from aws_cdk import aws_lambda as _lambda
            _lambda.Function(self, "Hello",
                runtime=_lambda.Runtime.PROVIDED_AL2023,
                handler="bootstrap",
                code=_lambda.Code.from_asset("bin/hello"))
            """
        },
        {
            "stack.go",
            """
            import "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
            awslambda.NewFunction(stack, jsii.String("Hello"), &awslambda.FunctionProps{
            	Runtime: awslambda.Runtime_GO_1_X(),
            	Handler: jsii.String("hello"),
            	Code:    awslambda.Code_FromAsset(jsii.String("bin/hello"), nil),
            })
            """,
            """
            import "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
            awslambda.NewFunction(stack, jsii.String("Hello"), &awslambda.FunctionProps{
            	Runtime: awslambda.Runtime_PROVIDED_AL2023(),
            	Handler: jsii.String("bootstrap"),
            	Code:    awslambda.Code_FromAsset(jsii.String("bin/hello"), nil),
            })
            """
        },
        {
            "src/main/java/AppStack.java",
            """
            import software.amazon.awscdk.services.lambda.*;
            Function.Builder.create(this, "Hello")
                .runtime(Runtime.GO_1_X)
                .handler("hello")
                .code(Code.fromAsset("bin/hello"))
                .build();
            """,
            """
            import software.amazon.awscdk.services.lambda.*;
            Function.Builder.create(this, "Hello")
                .runtime(Runtime.PROVIDED_AL2023)
                .handler("bootstrap")
                .code(Code.fromAsset("bin/hello"))
                .build();
            """
        },
        {
            "src/App/AppStack.cs",
            """
            using Amazon.CDK.AWS.Lambda;
            new Function(this, "Hello", new FunctionProps
            {
                Runtime = Runtime.GO_1_X,
                Handler = "hello",
                Code = Code.FromAsset("bin/hello")
            });
            """,
            """
            using Amazon.CDK.AWS.Lambda;
            new Function(this, "Hello", new FunctionProps
            {
                Runtime = Runtime.PROVIDED_AL2023,
                Handler = "bootstrap",
                Code = Code.FromAsset("bin/hello")
            });
            """
        },
    };

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Migrate_CdkStack_MovesTheRuntimeLiteralAndTheGoHandlerAndIsIdempotent(string name, string before, string after)
    {
        var file = _scratch.Write(name, before);

        var run = await SourceRun.MigrateAsync(_scratch.Root, apply: true);
        var again = await SourceRun.MigrateAsync(_scratch.Root);

        Assert.Equal(after, File.ReadAllText(file));
        Assert.Equal("", again.Diff);
        // A handler renamed means the asset's binary must be renamed too: the user's build, so a manual step.
        Assert.Equal(before.Contains("GO_1_X", StringComparison.Ordinal) ? ExitCodes.Broken : ExitCodes.Ok, run.ExitCode);
    }

    [Fact]
    public async Task Migrate_SourceThatDoesNotImportTheCdk_IsLeftAlone()
    {
        var file = _scratch.Write("src/Parser.cs", "var known = new[] { \"Runtime.GO_1_X\" };\nvar r = Runtime.GO_1_X;\n");

        var run = await SourceRun.MigrateAsync(_scratch.Root);

        Assert.Equal((ExitCodes.Ok, ""), (run.ExitCode, run.Diff));
        Assert.Contains("Runtime.GO_1_X;", File.ReadAllText(file), StringComparison.Ordinal);
    }
}
