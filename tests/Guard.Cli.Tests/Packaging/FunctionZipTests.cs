using System.IO.Compression;
using Guard.Cli.Packaging;
using Guard.Cli.Tests.Support;
using Guard.Testing;

namespace Guard.Cli.Tests.Packaging;

public sealed class FunctionZipTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Write_SameInputsAtDifferentTimes_GivesTheSameBytes()
    {
        var binary = _scratch.Write("dist/orders-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true), Scratch.Regular);
        var config = _scratch.Write("config/settings.json", "{}");
        FunctionZip.Write(_scratch.PathOf("one.zip"), binary, [new ZipInput("config/settings.json", config)]);
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow.AddDays(-3));
        File.SetLastWriteTimeUtc(config, DateTime.UtcNow.AddHours(5));

        FunctionZip.Write(_scratch.PathOf("two.zip"), binary, [new ZipInput("config/settings.json", config)]);

        Assert.Equal(File.ReadAllBytes(_scratch.PathOf("one.zip")), File.ReadAllBytes(_scratch.PathOf("two.zip")));
    }

    [Fact]
    public async Task Write_Binary_IsBootstrapWithMode0755FixedTimeAndOrderedNamesAsUnzipListsThem()
    {
        var binary = _scratch.Write("dist/orders-lambda", ElfBuilder.Static(ElfBuilder.X8664, go: true), Scratch.Regular);
        var zip = _scratch.PathOf("orders-lambda.zip");

        FunctionZip.Write(zip, binary, [new ZipInput("z.txt", _scratch.Write("z.txt", "z")), new ZipInput("a.txt", _scratch.Write("a.txt", "a"))]);

        var unzip = ExternalProcess.Find("unzip", "apt-get install unzip");
        var run = await ExternalProcess.RunAsync(unzip, ["-Z", "-l", zip], TestContext.Current.CancellationToken, new() { WorkingDirectory = _scratch.Root });
        var listing = run.Log;
        Assert.True(run.ExitCode == 0, listing);
        var entries = listing.Split('\n').Where(l => l.StartsWith("-rw", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["a.txt", "bootstrap", "z.txt"], entries.Select(e => e[^1]));
        Assert.Equal(["-rw-r--r--", "-rwxr-xr-x", "-rw-r--r--"], entries.Select(e => e[0]));
        using var archive = ZipFile.OpenRead(zip);
        Assert.All(archive.Entries, e => Assert.Equal(new DateTime(1980, 1, 1), e.LastWriteTime.DateTime));
    }

    [Fact]
    public void Write_TwoFilesUnderOneName_RefusesAndLeavesNoFile()
    {
        var binary = _scratch.Write("main", "x");

        Assert.Throws<ArgumentException>(() => FunctionZip.Write(_scratch.PathOf("f.zip"), binary, [new ZipInput("bootstrap", binary)]));
        Assert.Equal(["main"], Directory.GetFiles(_scratch.Root).Select(Path.GetFileName));
    }
}
