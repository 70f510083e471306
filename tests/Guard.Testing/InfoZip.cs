namespace Guard.Testing;

/// <summary>One file to put in an Info-ZIP archive; <paramref name="Mode"/> is the permission bits (0755 = 0b111_101_101).</summary>
public sealed record InfoZipFile(string Name, byte[] Content, int Mode = PackageBuilder.RegularFileMode);

/// <summary>
/// Makes archives with Info-ZIP's <c>zip</c> (/usr/bin/zip), the tool most packages are built with, for
/// layouts System.IO.Compression does not write: <c>InfoZip.Create(files, "-fz")</c> forces zip64 records.
/// </summary>
public static class InfoZip
{
    public const string ZipPath = "/usr/bin/zip";

    public static bool IsAvailable => !OperatingSystem.IsWindows() && File.Exists(ZipPath);

    /// <summary>An Info-ZIP archive as a Windows zipper would record it: host MS-DOS, no Unix modes.</summary>
    public static byte[] CreateMadeOnWindows(IEnumerable<InfoZipFile> files, params string[] options) =>
        ZipLayout.AsMadeOnWindows(Create(files, options));

    /// <summary>Writes the files to a scratch folder with their modes, zips them with <paramref name="options"/>, returns the bytes.</summary>
    public static byte[] Create(IEnumerable<InfoZipFile> files, params string[] options)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Info-ZIP archives are made on Unix, where file modes exist");
        }

        var folder = Directory.CreateTempSubdirectory("guard-infozip-");
        try
        {
            var names = new List<string>();
            foreach (var file in files)
            {
                var path = Path.Combine(folder.FullName, file.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, file.Content);
                File.SetUnixFileMode(path, (UnixFileMode)file.Mode);
                names.Add(file.Name);
            }

            // -X: no uid/gid extra fields, the same bytes on every machine.
            ExternalProcess.Run(ZipPath, ["-q", "-X", .. options, "package.zip", .. names], new() { WorkingDirectory = folder.FullName }).EnsureSuccess();

            return File.ReadAllBytes(Path.Combine(folder.FullName, "package.zip"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
