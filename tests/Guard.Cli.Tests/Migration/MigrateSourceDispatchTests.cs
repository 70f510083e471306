using Guard.Cli.Commands;
using Guard.Cli.Tests.Support;

namespace Guard.Cli.Tests.Migration;

/// <summary>`guard migrate` sends a path to the source migration and names to the Lambda API path.</summary>
public sealed class MigrateSourceDispatchTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("template.yaml", true)]
    [InlineData("./infra", true)]
    [InlineData("orders-go1x", false)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:orders", false)]
    public void IsSourcePath_Argument_TellsPathsFromFunctions(string argument, bool path) =>
        Assert.Equal(path, MigrateCommand.IsSourcePath(argument));

    [Fact]
    public async Task Migrate_PathOnTheCommandLine_PrintsTheDiffAndExitsZero()
    {
        var template = _scratch.Write("template.yaml", "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: provided.al2\n      Handler: x\n");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await GuardCommandLine.RunAsync(["migrate", template], output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, error.ToString());
        Assert.Contains("+      Runtime: provided.al2023", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_PathWithStageBucket_IsAUsageError()
    {
        var template = _scratch.Write("template.yaml", "Resources: {}\n");
        var error = new StringWriter();

        var exit = await GuardCommandLine.RunAsync(["migrate", template, "--stage-bucket", "b"], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.Contains("--stage-bucket applies to deployed functions", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_MissingPath_ExitsTwoAndChangesNothing()
    {
        var error = new StringWriter();

        var exit = await GuardCommandLine.RunAsync(["migrate", _scratch.PathOf("nowhere/")], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.UsageOrUnavailable, exit);
        Assert.Contains("nothing was changed", error.ToString(), StringComparison.Ordinal);
    }
}
