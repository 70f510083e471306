using System.Runtime.InteropServices;

namespace Guard.Inspection.Reading;

/// <summary>
/// What a local path is, asked of the file system without opening it: opening a FIFO for reading blocks until some
/// other process opens it for writing (forever, for a FIFO nobody writes), and a device such as <c>/dev/zero</c>
/// reads without end. Only regular files are read as packages, templates, manifests or assets.
/// </summary>
public static partial class LocalFileKind
{
    // The file type bits of FileStatus.Mode: the runtime's shim normalises them to these values on every Unix.
    private const int TypeMask = 0xF000;
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int Directory = 0x4000;
    private const int BlockDevice = 0x6000;
    private const int Regular = 0x8000;
    private const int Socket = 0xC000;

    /// <summary>
    /// Why <paramref name="path"/> (symlinks followed) is not a file to read: "a FIFO (named pipe)", "a character
    /// device", …; null for a regular file, a directory, a path that does not exist (the caller's own error says so),
    /// or when the type cannot be asked (Windows has no FIFOs or devices at file paths; elsewhere --timeout still
    /// bounds the read).
    /// </summary>
    public static string? NotRegular(string path) => TypeOf(path) switch
    {
        null or Regular or Directory => null,
        Fifo => "a FIFO (named pipe)",
        CharacterDevice => "a character device",
        BlockDevice => "a block device",
        Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>True when <paramref name="path"/> is known to be a FIFO, device or socket.</summary>
    public static bool IsSpecial(string path) => NotRegular(path) is not null;

    private static int? TypeOf(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            // stat(2) through the runtime's own native shim (what FileInfo uses underneath, and the .NET SDK calls
            // directly): libc's struct stat differs by CPU and C library, the shim's FileStatus does not. Only its
            // first two fields are read; the buffer is far larger than the whole record.
            Span<byte> status = stackalloc byte[512];
            return Stat(path, ref MemoryMarshal.GetReference(status)) == 0
                ? MemoryMarshal.Read<int>(status[4..]) & TypeMask
                : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, ref byte status);
}
