using System.IO.Compression;
using System.Text;

namespace Guard.Testing;

/// <summary>
/// Builds zip packages in memory with System.IO.Compression, the way a Unix zipper would record them:
/// <c>new PackageBuilder().AddFile("bootstrap", elf, mode: PackageBuilder.ExecutableMode).ToArray()</c>.
/// </summary>
/// <remarks>
/// Modes are the permission bits (e.g. <c>0b111_101_101</c> for 0755); the builder adds the file type
/// (regular, directory, symlink) and stores the mode in the high 16 bits of the external attributes.
/// A <c>null</c> mode records none (external attributes 0), like a Windows zipper; for a full "made on
/// Windows" archive (host byte 0 too) see <see cref="ZipLayout.AsMadeOnWindows"/>.
/// .NET writes "version made by" as Unix on Linux and macOS, and as Windows on Windows.
/// Timestamps are fixed, so the same calls give the same bytes.
/// </remarks>
public sealed class PackageBuilder
{
    /// <summary>0755: what Lambda needs for a bootstrap.</summary>
    public const int ExecutableMode = 0b111_101_101;

    /// <summary>0644: an ordinary file, not executable.</summary>
    public const int RegularFileMode = 0b110_100_100;

    /// <summary>0777: what <c>ln -s</c> gives a symlink.</summary>
    public const int SymlinkMode = 0b111_111_111;

    private const int RegularFileType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int SymlinkType = 0xA000;
    private const int FileTypeMask = 0xF000;
    private const uint DosDirectoryAttribute = 0x10;

    private static readonly DateTimeOffset FixedTime = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<Item> _items = [];
    private string? _comment;

    /// <summary>Adds a file; deflated unless <paramref name="stored"/>.</summary>
    /// <param name="mode">Permission bits (type bits optional), or null to record no Unix mode.</param>
    public PackageBuilder AddFile(string name, byte[] content, int? mode = RegularFileMode, bool stored = false)
    {
        ArgumentNullException.ThrowIfNull(content);
        _items.Add(new Item(name, content, Attributes(mode, RegularFileType), stored));
        return this;
    }

    /// <summary>Adds a text file (UTF-8, no BOM): scripts, placeholder stubs.</summary>
    public PackageBuilder AddFile(string name, string text, int? mode = RegularFileMode, bool stored = false) =>
        AddFile(name, Encoding.UTF8.GetBytes(text), mode, stored);

    /// <summary>Adds a directory entry; a trailing '/' is added when missing.</summary>
    public PackageBuilder AddDirectory(string name, int? mode = ExecutableMode)
    {
        ArgumentNullException.ThrowIfNull(name);
        var attributes = Attributes(mode, DirectoryType) | DosDirectoryAttribute;
        _items.Add(new Item(name.EndsWith('/') ? name : name + "/", [], attributes, Stored: true));
        return this;
    }

    /// <summary>Adds a symlink as Info-ZIP records one: mode type 0xA000, the target as stored content.</summary>
    public PackageBuilder AddSymlink(string name, string target, int mode = SymlinkMode)
    {
        _items.Add(new Item(name, Encoding.UTF8.GetBytes(target), Attributes(mode, SymlinkType), Stored: true));
        return this;
    }

    /// <summary>Sets the archive comment (up to 65,535 bytes), which sits after the end of central directory record.</summary>
    public PackageBuilder WithComment(string comment)
    {
        _comment = comment;
        return this;
    }

    /// <summary>The zip bytes.</summary>
    public byte[] ToArray()
    {
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            if (_comment is not null)
            {
                archive.Comment = _comment;
            }

            foreach (var item in _items)
            {
                var entry = archive.CreateEntry(item.Name, item.Stored ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTime;
                entry.ExternalAttributes = unchecked((int)item.ExternalAttributes);
                if (item.Content.Length > 0 || !item.Name.EndsWith('/'))
                {
                    using var stream = entry.Open();
                    stream.Write(item.Content);
                }
            }
        }

        return output.ToArray();
    }

    /// <summary>The zip as an in-memory range source.</summary>
    public InMemoryRangeSource ToSource(string displayName = "memory://package.zip") => new(ToArray(), displayName);

    private static uint Attributes(int? mode, int type) =>
        mode is { } bits ? (uint)((bits & FileTypeMask) == 0 ? bits | type : bits) << 16 : 0;

    private sealed record Item(string Name, byte[] Content, uint ExternalAttributes, bool Stored);
}
