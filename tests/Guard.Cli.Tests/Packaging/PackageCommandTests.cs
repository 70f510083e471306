using System.IO.Compression;
using Guard.Cli.Commands;
using Guard.Cli.Tests.Support;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Cli.Tests.Packaging;

public sealed class PackageCommandTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static async Task<(int Exit, string Output, string Error)> PackageAsync(PackageSettings settings)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await PackageCommand.RunAsync(settings, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Package_SeveralBinaries_OneCheckedZipEachWithTheBinaryAsBootstrap()
    {
        var orders = _scratch.Write("dist/orders-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true));
        var users = _scratch.Write("dist/users-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true));

        var (exit, output, error) = await PackageAsync(new PackageSettings([orders, users], _scratch.PathOf("out"), "provided.al2023", Architecture.X8664, []));

        Assert.True(exit == ExitCodes.Ok, output + error);
        foreach (var name in new[] { "orders-lambda", "users-lambda" })
        {
            Assert.Contains($"PACKAGED  {_scratch.PathOf($"out/{name}.zip")}: ", output, StringComparison.Ordinal);
            using var archive = ZipFile.OpenRead(_scratch.PathOf($"out/{name}.zip"));
            var bootstrap = Assert.Single(archive.Entries);
            Assert.Equal(("bootstrap", Convert.ToInt32("100755", 8)), (bootstrap.FullName, (bootstrap.ExternalAttributes >> 16) & 0xFFFF));
        }
    }

    [Fact]
    public async Task Package_BinaryForTheWrongCpu_FailsAndLeavesNoZip()
    {
        var arm = _scratch.Write("dist/arm-lambda", ElfBuilder.Static(ElfBuilder.Aarch64, go: true));

        var (exit, output, _) = await PackageAsync(new PackageSettings([arm], _scratch.PathOf("out"), "provided.al2023", Architecture.X8664, []));

        Assert.Equal(ExitCodes.Broken, exit);
        Assert.Contains("NOT PACKAGED  ", output, StringComparison.Ordinal);
        Assert.Contains("BOOTSTRAP_WRONG_ARCH", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_scratch.PathOf("out")));
    }

    [Fact]
    public async Task Package_SameBinaryTwice_SameSha256()
    {
        var binary = _scratch.Write("dist/orders-lambda", ElfBuilder.Static(ElfBuilder.Aarch64, go: true));

        var first = await PackageAsync(new PackageSettings([binary], _scratch.PathOf("a"), "provided.al2023", Architecture.Arm64, []));
        var second = await PackageAsync(new PackageSettings([binary], _scratch.PathOf("b"), "provided.al2023", Architecture.Arm64, []));

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (first.Exit, second.Exit));
        Assert.Equal(File.ReadAllBytes(_scratch.PathOf("a/orders-lambda.zip")), File.ReadAllBytes(_scratch.PathOf("b/orders-lambda.zip")));
    }

    [Fact]
    public async Task Package_ThroughTheCommandLine_WritesIntoOutWithIncludes()
    {
        var binary = _scratch.Write("dist/orders-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true));
        var config = _scratch.Write("dist/config.json", "{}");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await GuardCommandLine.RunAsync(["package", binary, "--out", _scratch.PathOf("out"), "--include", config, "--arch", "amd64"], output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, output.ToString() + error);
        using var archive = ZipFile.OpenRead(_scratch.PathOf("out/orders-lambda.zip"));
        Assert.Equal(["bootstrap", "config.json"], archive.Entries.Select(e => e.FullName));
    }
}
