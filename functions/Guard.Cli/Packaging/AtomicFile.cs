namespace Guard.Cli.Packaging;

/// <summary>
/// Replaces a file by writing a hidden temporary file beside it and renaming it over the original (rename is atomic
/// within a folder): a reader, a crash or a full disk leaves the old file or the new one, never half of one.
/// </summary>
internal static class AtomicFile
{
    /// <param name="write">Writes the new content to the path it is given.</param>
    /// <param name="keepMode">Give the new file the old one's Unix mode (a source file keeps its permissions).</param>
    public static void Replace(string target, Action<string> write, bool keepMode = false)
    {
        var full = Path.GetFullPath(target);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.guard-{Guid.NewGuid():N}");
        try
        {
            write(temporary);
            if (keepMode && !OperatingSystem.IsWindows() && File.Exists(full))
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(full));
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
