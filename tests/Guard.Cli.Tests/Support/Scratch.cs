namespace Guard.Cli.Tests.Support;

/// <summary>A temporary folder to lay out packages, builds and apps in; deleted with the test.</summary>
public sealed class Scratch : IDisposable
{
    public const UnixFileMode Executable = (UnixFileMode)0b111_101_101;
    public const UnixFileMode Regular = (UnixFileMode)0b110_100_100;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("guard-app-");

    public string Root => _root.FullName;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string Write(string relative, byte[] content, UnixFileMode mode = Regular)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }

    public string Write(string relative, string text, UnixFileMode mode = Regular) =>
        Write(relative, System.Text.Encoding.UTF8.GetBytes(text), mode);

    public string Symlink(string relative, string target)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
        return path;
    }

    public string Folder(string relative)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _root.Delete(recursive: true);
}
