using System.IO.Compression;
using Guard.Cli.Migration;
using Guard.Testing;

namespace Guard.Cli.Tests.Migration;

public sealed class BootstrapRepackagerTests : IDisposable
{
    private readonly string _source = Path.Combine(Path.GetTempPath(), $"repack-{Guid.NewGuid():N}-in.zip");
    private readonly string _target = Path.Combine(Path.GetTempPath(), $"repack-{Guid.NewGuid():N}-out.zip");

    public void Dispose()
    {
        File.Delete(_source);
        File.Delete(_target);
    }

    [Fact]
    public void Repackage_Go1xPackage_RenamesHandlerToExecutableBootstrapAndKeepsTheRest()
    {
        var binary = ElfBuilder.Static(ElfBuilder.X8664, go: true);
        File.WriteAllBytes(_source, new PackageBuilder()
            .AddFile("bin/main", binary, PackageBuilder.RegularFileMode)
            .AddDirectory("static/")
            .AddFile("static/index.html", "<p>hi</p>")
            .ToArray());

        var result = BootstrapRepackager.Repackage(_source, _target, "./bin/main");

        Assert.Equal(("bin/main", true, true, 2), (result.BootstrapFrom, result.Renamed, result.ModeFixed, result.KeptEntries));
        using var archive = ZipFile.OpenRead(_target);
        Assert.Equal(["bootstrap", "static/", "static/index.html"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var bootstrap = archive.GetEntry("bootstrap")!;
        Assert.Equal(Convert.ToInt32("100755", 8), (bootstrap.ExternalAttributes >> 16) & 0xFFFF);
        using var content = new MemoryStream();
        bootstrap.Open().CopyTo(content);
        Assert.Equal(binary, content.ToArray());
        Assert.Equal(BootstrapRepackager.Sha256Of(_target), result.Sha256);
    }

    [Fact]
    public void Repackage_WhenBootstrapAlreadyExecutable_ReportsNoChange()
    {
        File.WriteAllBytes(_source, new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664), PackageBuilder.ExecutableMode).ToArray());

        var result = BootstrapRepackager.Repackage(_source, _target, "main");

        Assert.False(result.Changed);
    }
}
