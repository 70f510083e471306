using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class ServerlessSourceTests : IDisposable
{
    /// <summary>The Serverless Framework's aws-go template as it was for go1.x.</summary>
    private const string AwsGo = """
        service: orders
        # app and org for use with dashboard.serverless.com
        frameworkVersion: '3'

        provider:
          name: aws
          runtime: go1.x
          region: eu-west-1

        package:
          patterns:
            - '!./**'
            - ./bin/**

        functions:
          hello:
            handler: bin/hello
            events:
              - httpApi:
                  path: /hello
                  method: get
          world:
            handler: bin/world
            package:
              include:
                - config.json
          report:
            runtime: python3.12
            handler: report.handler

        """;

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Migrate_AwsGoService_MovesRuntimeHandlersAndGivesEachFunctionItsBootstrapZip()
    {
        var file = _scratch.Write("svc/serverless.yml", AwsGo);

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("svc"), apply: true);

        Assert.Equal(AwsGo
            .Replace("  runtime: go1.x\n", "  runtime: provided.al2023\n", StringComparison.Ordinal)
            .Replace("package:\n  patterns:", "package:\n  individually: true\n  patterns:", StringComparison.Ordinal)
            .Replace("    handler: bin/hello\n", "    handler: bootstrap\n    package:\n      artifact: bin/hello.zip\n", StringComparison.Ordinal)
            .Replace("    handler: bin/world\n    package:\n", "    handler: bootstrap\n    package:\n      artifact: bin/world.zip\n", StringComparison.Ordinal),
            File.ReadAllText(file));
        // The zips must be built: that step is the user's, so the run says it and exits 1.
        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("do: after go build, run: guard package bin/hello bin/world --out bin", run.Report, StringComparison.Ordinal);
        Assert.Single(run.Report.Split('\n'), l => l.Contains("provider.runtime", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_AwsGoServiceApplied_ServerlessPackageAcceptsItAndGuardChecksWhatItWrote()
    {
        // The migrated file must be one the real Serverless Framework v3 packages, and its result one Guard judges OK.
        var serverless = Path.Combine(Guard.Testing.Checkout.Root, ".artifacts", "node-tools", "node_modules", ".bin", "serverless");
        Assert.True(File.Exists(serverless), $"{serverless} is missing: build/test.sh installs the npm tools (npm ci --prefix .artifacts/node-tools)");
        _scratch.Write("svc/serverless.yml", AwsGo);
        _scratch.Write("svc/report.py", "def handler(event, context):\n    return {}\n");
        var bootstrap = Guard.Testing.ElfBuilder.Static(Guard.Testing.ElfBuilder.X8664, go: true);
        foreach (var name in new[] { "hello", "world" })
        {
            _scratch.Write($"svc/bin/{name}.zip", new Guard.Testing.PackageBuilder().AddFile("bootstrap", bootstrap, Guard.Testing.PackageBuilder.ExecutableMode).ToArray());
        }

        File.CreateSymbolicLink(_scratch.PathOf("svc/node_modules"), Path.Combine(Guard.Testing.Checkout.Root, ".artifacts", "node-tools", "node_modules"));
        await SourceRun.MigrateAsync(_scratch.PathOf("svc/serverless.yml"), apply: true);

        var package = await ExternalProcess.RunAsync(serverless, ["package"], TestContext.Current.CancellationToken, new()
        {
            WorkingDirectory = _scratch.PathOf("svc"),
            Environment = new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "guard-tests-only",
                ["SLS_TELEMETRY_DISABLED"] = "1",
                ["SLS_NOTIFICATIONS_MODE"] = "off",
            },
        });
        Assert.True(package.ExitCode == 0, $"serverless package exited {package.ExitCode}:\n{package.Log}");

        var check = await GuardProcess.RunAsync("check", _scratch.PathOf("svc/.serverless"));
        Assert.True(check.ExitCode == ExitCodes.Ok, check.Output + check.Error);
        Assert.Contains("hello", check.Output, StringComparison.Ordinal);
        Assert.Contains("world", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_RunAgainAfterApply_PrintsAnEmptyDiffAndNothingToDo()
    {
        _scratch.Write("svc/serverless.yml", AwsGo);
        await SourceRun.MigrateAsync(_scratch.PathOf("svc"), apply: true);

        var again = await SourceRun.MigrateAsync(_scratch.PathOf("svc"));

        Assert.Equal((ExitCodes.Ok, ""), (again.ExitCode, again.Diff));
    }

    [Fact]
    public async Task Migrate_ArtifactAlreadyHoldsBootstrap_NeedsNoManualStep()
    {
        var file = _scratch.Write("svc/serverless.yml", """
            service: one
            provider:
              name: aws
              runtime: go1.x
            package:
              individually: true
            functions:
              hello:
                handler: bin/hello
                package:
                  artifact: bin/hello.zip
            """);
        _scratch.Write("svc/bin/hello.zip", new Guard.Testing.PackageBuilder()
            .AddFile("bootstrap", Guard.Testing.ElfBuilder.Static(Guard.Testing.ElfBuilder.X8664, go: true), Guard.Testing.PackageBuilder.ExecutableMode).ToArray());

        var run = await SourceRun.MigrateAsync(file);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(["-  runtime: go1.x", "+  runtime: provided.al2023", "-    handler: bin/hello", "+    handler: bootstrap"], TemplateSourceTests.ChangedLines(run.Diff));
    }

    [Fact]
    public async Task Migrate_LastPackageBuiltWithOldAwsLambdaGo_ReportsItWouldNotStartOnProvidedAl2023()
    {
        // A real Go build against aws-lambda-go v1.17.0: its client speaks only go1.x's RPC.
        var binary = await Guard.Testing.GoProgram.BuildLambdaAsync("v1.17.0", cancellationToken: TestContext.Current.CancellationToken);
        _scratch.Write("svc/serverless.yml", AwsGo);
        _scratch.Write("svc/.serverless/orders.zip", new Guard.Testing.PackageBuilder()
            .AddFile("bin/hello", binary, Guard.Testing.PackageBuilder.ExecutableMode)
            .AddFile("bin/world", binary, Guard.Testing.PackageBuilder.ExecutableMode)
            .ToArray());

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("svc"), apply: true);

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("BREAKS  .serverless/orders.zip (bin/hello as bootstrap) for hello would not start on provided.al2023 x86_64:", run.Report, StringComparison.Ordinal);
        Assert.Contains("error   GO_RUNTIME_CLIENT_TOO_OLD", run.Report, StringComparison.Ordinal);
        Assert.Equal(AwsGo, File.ReadAllText(_scratch.PathOf("svc/serverless.yml")));
    }
}
