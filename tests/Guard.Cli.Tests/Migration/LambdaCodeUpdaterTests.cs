using System.Text.Json;
using Guard.Cli.Migration;

namespace Guard.Cli.Tests.Migration;

public sealed class LambdaCodeUpdaterTests
{
    [Fact]
    public void Body_WithArchitecture_SendsItInUpdateFunctionCode()
    {
        // moto ignores Architectures on UpdateFunctionCode, so the request body is what is asserted here.
        using var json = JsonDocument.Parse(LambdaCodeUpdater.Body("stage", "guard-migrate/f/bootstrap-1.zip", "rev-1", "arm64"));

        var root = json.RootElement;
        Assert.Equal("stage", root.GetProperty("S3Bucket").GetString());
        Assert.Equal("guard-migrate/f/bootstrap-1.zip", root.GetProperty("S3Key").GetString());
        Assert.Equal("rev-1", root.GetProperty("RevisionId").GetString());
        Assert.Equal(["arm64"], root.GetProperty("Architectures").EnumerateArray().Select(a => a.GetString()));
    }
}
