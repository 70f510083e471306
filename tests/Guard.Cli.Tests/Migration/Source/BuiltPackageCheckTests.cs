using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration.Source;

/// <summary>What sam build left is judged on the target runtime before the template is written.</summary>
public sealed class BuiltPackageCheckTests : IDisposable
{
    private const string Template = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          ExampleFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ./
              Handler: example-lambda
              Runtime: go1.x
              Architectures: [x86_64]
        """;

    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Migrate_BuiltBinaryNeedsALibraryAl2023Lacks_ReportsItAndWritesNothing()
    {
        var template = _scratch.Write("app/template.yaml", Template);
        _scratch.Write("app/.aws-sam/build/ExampleFunction/example-lambda",
            ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.2.5"], needed: ["libcrypt.so.1", "libc.so.6"]), Scratch.Executable);

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"), apply: true);

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("BREAKS  .aws-sam/build/ExampleFunction (example-lambda as bootstrap) for ExampleFunction would not start on provided.al2023 x86_64:", run.Report, StringComparison.Ordinal);
        Assert.Contains("error   BOOTSTRAP_LIBRARY_MISSING", run.Report, StringComparison.Ordinal);
        Assert.Contains("libcrypt.so.1", run.Report, StringComparison.Ordinal);
        Assert.Contains("nothing was written", run.Report, StringComparison.Ordinal);
        Assert.Equal(Template, File.ReadAllText(template));
    }

    [Fact]
    public async Task Migrate_BuiltBinaryForTheOtherCpu_Breaks()
    {
        _scratch.Write("app/template.yaml", Template);
        _scratch.Write("app/.aws-sam/build/ExampleFunction/example-lambda", ElfBuilder.Static(ElfBuilder.Aarch64, go: true), Scratch.Executable);

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"));

        Assert.Equal(ExitCodes.Broken, run.ExitCode);
        Assert.Contains("error   BOOTSTRAP_WRONG_ARCH", run.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_BuiltStaticGoBinary_IsCheckedAndTheTemplateWritten()
    {
        var template = _scratch.Write("app/template.yaml", Template);
        _scratch.Write("app/.aws-sam/build/ExampleFunction/example-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true), Scratch.Executable);

        var run = await SourceRun.MigrateAsync(_scratch.PathOf("app"), apply: true);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("CHECKED  .aws-sam/build/ExampleFunction (example-lambda as bootstrap) for ExampleFunction starts on provided.al2023 x86_64", run.Report, StringComparison.Ordinal);
        Assert.Contains("Runtime: provided.al2023", File.ReadAllText(template), StringComparison.Ordinal);
    }
}
