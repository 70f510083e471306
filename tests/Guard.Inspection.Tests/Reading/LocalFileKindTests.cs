using Guard.Testing;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Tests.Reading;

/// <summary>The file type is asked of the file system, never learnt by opening (a FIFO's open blocks until a writer comes).</summary>
public sealed class LocalFileKindTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("guard-kind-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void NotRegular_ForAFifoADeviceAndALinkToOne_NamesWhatTheyAre()
    {
        var fifo = MakeFifo("pipe");
        var link = Path.Combine(_folder.FullName, "zero.zip");
        File.CreateSymbolicLink(link, "/dev/zero");

        Assert.Equal("a FIFO (named pipe)", LocalFileKind.NotRegular(fifo));
        Assert.Equal("a character device", LocalFileKind.NotRegular("/dev/null"));
        Assert.Equal("a character device", LocalFileKind.NotRegular(link));
    }

    [Fact]
    public void NotRegular_ForAFileAFolderOrNothing_IsNull()
    {
        var file = Path.Combine(_folder.FullName, "function.zip");
        File.WriteAllBytes(file, [1, 2, 3]);

        Assert.Null(LocalFileKind.NotRegular(file));
        Assert.Null(LocalFileKind.NotRegular(_folder.FullName));
        Assert.Null(LocalFileKind.NotRegular(Path.Combine(_folder.FullName, "missing.zip")));
    }

    [Fact]
    public async Task LocalFileRangeSourceOpen_OnAFifo_FailsAtOnceInsteadOfBlocking()
    {
        var fifo = MakeFifo("function.zip");

        // On a thread of its own, so that a regression fails this test instead of hanging the run.
        var open = Task.Run(() => LocalFileRangeSource.Open(fifo), TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.Same(open, finished);
        var error = await Assert.ThrowsAsync<PackageUnavailableException>(() => open);
        Assert.Equal($"{fifo} is a FIFO (named pipe), not a zip file: Guard reads packages only from regular files", error.Message);
    }

    private string MakeFifo(string name) => ExternalProcess.MakeFifo(Path.Combine(_folder.FullName, name));
}
