using Guard.Inspection.Reading;
using Guard.Inspection.Zip;
using Guard.Testing;

namespace Guard.Inspection.Tests.Zip;

/// <summary>Content and shortcuts shared by the zip tests.</summary>
internal static class ZipTestData
{
    /// <summary>Bytes that deflate about 2:1, deterministic for a seed; start like an ELF file.</summary>
    public static byte[] Binary(int length, int seed = 1)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(random.Next(16) * 17);
        }

        ReadOnlySpan<byte> magic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];
        magic[..Math.Min(4, length)].CopyTo(bytes);
        return bytes;
    }

    public static Task<ZipPackage> ReadAllAsync(IRangeSource source) =>
        ZipPackage.ReadAsync(source, _ => true, int.MaxValue, TestContext.Current.CancellationToken);

    public static CentralDirectoryEntry Entry(ZipPackage package, string name) => package.KeptEntries.Single(e => e.Name == name);

    public static async Task<byte[]> ReadAsync(IEntryContent content, long offset, int count)
    {
        var buffer = new byte[count];
        var read = await content.ReadAtAsync(offset, buffer, TestContext.Current.CancellationToken);
        return buffer[..read];
    }

    public static async Task<byte[]> ReadEntryAsync(ZipPackage package, string name)
    {
        var content = await package.OpenEntryAsync(Entry(package, name), TestContext.Current.CancellationToken);
        return await ReadAsync(content, 0, checked((int)content.Length));
    }
}
