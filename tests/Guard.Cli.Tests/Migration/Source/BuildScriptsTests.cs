using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Migration.Source;

public sealed class BuildScriptsTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Migrate_SeedMakefileZipsSeveralBinaries_ExitsOneProposingGuardPackage()
    {
        _scratch.Write("app/template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: go1.x
                  Handler: example-lambda
                  Role: arn:aws:iam::123456789012:role/r
                  Code: { S3Bucket: b, S3Key: k }
            """);
        _scratch.Write("app/Makefile", "build:\n\tgo build -o dist ./cmd/... && zip -X -9 ./ *-lambda\n\nclean:\n\trm -rf dist\n");

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"));

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("MANUAL  Makefile:2  'zip -X -9 ./ *-lambda' zips several binaries into one package", run.Report, StringComparison.Ordinal);
        Assert.Contains("do: replace it with: guard package dist/*-lambda --out dist", run.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ScriptZippingBootstrapOrAFolder_SaysNothingAboutIt()
    {
        _scratch.Write("app/template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Runtime: go1.x
                  Handler: fn
            """);
        _scratch.Write("app/build.sh", "#!/bin/sh\nGOOS=linux go build -o bootstrap . && zip function.zip bootstrap\ncd site && zip -r ../site.zip .\nunzip -l function.zip\n");

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.DoesNotContain("build.sh", run.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_MakefileNamedAlone_IsScannedEvenWithoutFunctions()
    {
        var makefile = _scratch.Write("Makefile", "package:\n\tzip function.zip main\n");

        var run = await SourceRun.MigrateAsync(makefile);

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("packs the binary as 'main'", run.Report, StringComparison.Ordinal);
        Assert.Contains("guard package main --out dist", run.Report, StringComparison.Ordinal);
    }
}
