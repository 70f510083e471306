using System.IO.Compression;

namespace Guard.Cli.Packaging;

/// <summary>A file to put in a function's zip beside its bootstrap, under <paramref name="Name"/>.</summary>
internal sealed record ZipInput(string Name, string Path);

/// <summary>
/// Writes a custom-runtime function's zip the way Lambda needs it and the same way every time: the binary as
/// <c>bootstrap</c> at the root with mode 0755 (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-provided.html),
/// the other files with 0644 (0755 when executable), every entry dated 1980-01-01 00:00 (the first time a DOS date
/// can hold, APPNOTE 4.4.6) and written in ordinal name order, so the same inputs give the same bytes — and the
/// same CodeSha256, so a deploy of an unchanged function changes nothing.
/// </summary>
internal static class FunctionZip
{
    public static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>S_IFREG in the high bits of the external attributes (APPNOTE 4.4.15, made by Unix), with the permission bits below.</summary>
    private const int RegularFile = 0x8000;

    public const int ExecutableMode = 0b111_101_101;
    public const int RegularMode = 0b110_100_100;

    /// <summary>
    /// Writes a new zip at <paramref name="target"/>, which must not exist: callers write into a staging path they
    /// own (guard package checks it there before renaming it into place), so the zip is not staged a second time
    /// here. A write that fails leaves no file.
    /// </summary>
    public static void Write(string target, string binary, IReadOnlyList<ZipInput> others)
    {
        var entries = others.Select(o => (o.Name, o.Path, Mode: IsExecutable(o.Path) ? ExecutableMode : RegularMode))
            .Append((Name: "bootstrap", Path: binary, Mode: ExecutableMode))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var duplicate = entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two files would be stored as {duplicate.Key}");
        }

        // Opened before the try: a file that already exists is refused and left alone, never deleted.
        var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        try
        {
            using (stream)
            using (var archive = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                foreach (var (name, path, mode) in entries)
                {
                    var entry = archive.CreateEntry(name, CompressionLevel.SmallestSize);
                    entry.ExternalAttributes = (RegularFile | mode) << 16;
                    entry.LastWriteTime = FixedTime;
                    using var input = File.OpenRead(path);
                    using var output = entry.Open();
                    input.CopyTo(output);
                }
            }
        }
        catch
        {
            File.Delete(target);
            throw;
        }
    }

    /// <summary>Every file under <paramref name="path"/> (or the file itself), named <paramref name="name"/>/relative path.</summary>
    public static IEnumerable<ZipInput> Expand(string name, string path)
    {
        if (!Directory.Exists(path))
        {
            return [new ZipInput(name, path)];
        }

        return Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(file => new ZipInput($"{name.TrimEnd('/')}/{Path.GetRelativePath(path, file).Replace('\\', '/')}".TrimStart('/'), file));
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
