using System.Text;
using Guard.Inspection.Executables;
using Guard.Inspection.Executables.Elf;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>Go build information, read from binaries the machine's Go toolchain builds and from blobs patched by hand.</summary>
public sealed class GoBuildInfoTests
{
    [Theory]
    [InlineData("amd64", ElfFacts.MachineX8664)]
    [InlineData("arm64", ElfFacts.MachineAarch64)]
    public async Task Analyze_WhenRealGoLambdaBinary_ReadsGoVersionAndTheRequiredAwsLambdaGo(string goArch, ushort machine)
    {
        var binary = await GoProgram.BuildLambdaAsync("v1.17.0", goArch, TestContext.Current.CancellationToken);

        var elf = await Analysis.ElfOfAsync(binary);

        Assert.Equal(machine, elf.Machine);
        Assert.True(elf.IsGo);
        var build = Assert.IsType<GoBuildInfo>(elf.GoBuild);
        Assert.StartsWith("go1.", build.GoVersion, StringComparison.Ordinal);
        Assert.Equal("example.com/fn", build.MainPath);
        var client = Assert.IsType<GoModule>(build.Dependency("github.com/aws/aws-lambda-go"));
        Assert.Equal(("v1.17.0", "./aws-lambda-go (devel)"), (client.Version, client.Replacement));
    }

    [Fact]
    public void TryParse_WhenModuleTextHasSentinelsAndAReplacedDep_ParsesEveryLine()
    {
        var blob = Blob("go1.22.1", "path\texample.com/fn\nmod\texample.com/fn\t(devel)\t\ndep\tgithub.com/aws/aws-lambda-go\tv1.47.0\th1:abc=\ndep\tgolang.org/x/sys\tv0.1.0\n=>\tgolang.org/x/sys\tv0.2.0\th1:def=\n");

        Assert.True(GoBuildInfo.TryParse(blob, out var info));

        Assert.Equal("go1.22.1", info.GoVersion);
        Assert.Equal(
            [new GoModule("github.com/aws/aws-lambda-go", "v1.47.0", null), new GoModule("golang.org/x/sys", "v0.1.0", "golang.org/x/sys v0.2.0")],
            info.Dependencies);
    }

    [Fact]
    public void Find_WhenTheMagicFirstAppearsUnaligned_SkipsToTheAlignedOne()
    {
        var blob = Blob("go1.19.8", "path\tx\n");
        var data = new byte[64 + blob.Length];
        GoBuildInfo.Magic.CopyTo(data.AsSpan(3)); // an unaligned copy, as in a string constant
        blob.CopyTo(data, 32);

        Assert.Equal(32, GoBuildInfo.Find(data));
    }

    [Fact]
    public void TryParse_WhenPointerFormatOfGoBefore118_ReturnsFalse()
    {
        var blob = Blob("go1.17", "path\tx\n");
        blob[15] = 0; // flags without the inline bit: version and modules sit behind pointers

        Assert.False(GoBuildInfo.TryParse(blob, out _));
    }

    [Fact]
    public void Length_WhenTheBlobIsCutOffByTheRead_SaysHowMuchToRead()
    {
        var blob = Blob("go1.19.8", new string('x', 3000));

        Assert.Equal(blob.Length, GoBuildInfo.Length(blob.AsSpan(0, 100)));
        Assert.False(GoBuildInfo.TryParse(blob.AsSpan(0, 100), out _));
    }

    /// <summary>An inline blob as cmd/link writes it: header, then uvarint-prefixed version and sentinel-wrapped module text.</summary>
    private static byte[] Blob(string goVersion, string modules)
    {
        var bytes = new List<byte>();
        bytes.AddRange(GoBuildInfo.Magic.ToArray());
        bytes.Add(8);
        bytes.Add(2);
        bytes.AddRange(new byte[16]);
        AddString(bytes, Encoding.UTF8.GetBytes(goVersion));
        AddString(bytes, [.. new byte[16], .. Encoding.UTF8.GetBytes(modules), .. new byte[16]]);
        return [.. bytes];
    }

    private static void AddString(List<byte> bytes, byte[] value)
    {
        for (var length = (ulong)value.Length; ; length >>= 7)
        {
            bytes.Add((byte)(length < 0x80 ? length : (length & 0x7F) | 0x80));
            if (length < 0x80)
            {
                break;
            }
        }

        bytes.AddRange(value);
    }
}
