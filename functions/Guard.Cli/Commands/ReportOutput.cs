namespace Guard.Cli.Commands;

/// <summary>Where a command's report goes: standard output, or the <c>--output</c> file.</summary>
internal sealed class ReportOutput(FileInfo? file, TextWriter output, TextWriter error)
{
    /// <summary>
    /// Why the file cannot receive the report, or null when it can (as far as can be told before writing): asked
    /// before any read, since a report that cannot be written makes the whole run pointless.
    /// </summary>
    public string? Problem()
    {
        if (file is null)
        {
            return null;
        }

        if (Directory.Exists(file.FullName))
        {
            return $"--output {file.FullName}: is a directory; give a file name, e.g. --output guard.sarif";
        }

        return file.Directory is { Exists: false } parent ? $"--output {file.FullName}: the folder {parent.FullName} does not exist" : null;
    }

    /// <summary>Writes the report; false (and one line on standard error) when the file could not be written.</summary>
    public async Task<bool> WriteAsync(string rendered)
    {
        if (file is null)
        {
            await output.WriteAsync(rendered).ConfigureAwait(false);
            return true;
        }

        try
        {
            // Not cancellable: a report half written because the deadline fired would be worse than none.
            await File.WriteAllTextAsync(file.FullName, rendered, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"guard: --output {file.FullName}: cannot write the report: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return false;
        }
    }
}
