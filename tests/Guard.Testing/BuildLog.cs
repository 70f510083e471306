namespace Guard.Testing;

/// <summary>Reads the cause out of a failed build's log, so a fixture fails with it rather than with its symptoms.</summary>
public static class BuildLog
{
    // The forms the tools our fixtures run print their errors in: MSBuild and the C compiler
    // ("file(1,2): error CS1002: …", "fatal error: …"), the linker ("ld: cannot find …"), our Makefile ("error: …").
    private static readonly string[] ErrorMarkers = [": error ", "error:", "cannot find ", "No such file or directory"];

    // make's own "make: *** [target] Error 2" only says that a recipe failed: the cause is elsewhere in the log.
    private const string MakeFailedMarker = "*** ";

    /// <summary>
    /// The first line of <paramref name="log"/> that reports an error; else the first of make's "*** " lines; else
    /// its last non-blank line.
    /// </summary>
    public static string FirstError(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.FirstOrDefault(line => !line.Contains(MakeFailedMarker, StringComparison.Ordinal) && ErrorMarkers.Any(marker => line.Contains(marker, StringComparison.Ordinal)))
            ?? lines.FirstOrDefault(line => line.Contains(MakeFailedMarker, StringComparison.Ordinal))
            ?? lines.LastOrDefault()
            ?? "(the log is empty)";
    }

    /// <summary>A fixture's failure: what failed, its first error on the first line, then the whole log.</summary>
    public static InvalidOperationException Failure(string what, int exitCode, string log) =>
        new($"{what} failed (exit {exitCode}): {FirstError(log)}\n\n{log}");
}
