using Guard.Cli.Apps;
using Guard.Cli.Commands;
using Guard.Cli.Migration;
using Guard.Cli.Scanning;

namespace Guard.Cli.Packaging;

/// <summary>What became of one binary: its zip written and judged, refused by the check (no zip), or not read.</summary>
internal sealed record PackagedBinary(string Binary, string Target, CheckResult? Result, bool Written, long Size = 0, string? Sha256 = null, string? Problem = null);

/// <summary>
/// <c>guard package</c>'s work: each binary zipped as bootstrap beside its target, judged there by the engine for the
/// runtime and architecture given, and renamed into place only when it passes — a zip that would not start is never
/// left where a deploy would pick it up.
/// </summary>
internal static class FunctionPackager
{
    /// <exception cref="IOException">An included file cannot be listed, or the output folder cannot be made.</exception>
    public static async Task<IReadOnlyList<PackagedBinary>> PackageAsync(PackageSettings settings, CancellationToken cancellationToken)
    {
        var others = settings.Includes.SelectMany(i => FunctionZip.Expand(IncludedName(i), i)).ToList();
        Directory.CreateDirectory(settings.OutputFolder);

        // Local files only: the connection's clients are never made, so no credentials are needed.
        using var connection = AwsConnection.FromProcess();
        using var sources = connection.PackageSources();
        var check = PackageVerdict.CreateCheck(sources);
        var results = new List<PackagedBinary>();
        foreach (var binary in settings.Binaries)
        {
            var target = Path.Combine(settings.OutputFolder, Path.GetFileName(binary) + ".zip");
            var staged = Path.Combine(settings.OutputFolder, $".{Path.GetFileName(target)}.check-{Guid.NewGuid():N}");
            try
            {
                FunctionZip.Write(staged, binary, others);
                var result = await check.RunAsync(new PackageRequest(staged, settings.Runtime, settings.Architecture, [], "bootstrap"), cancellationToken).ConfigureAwait(false);
                if (result.Outcome is not Outcome.Ok)
                {
                    results.Add(new PackagedBinary(binary, target, result, Written: false));
                    continue;
                }

                File.Move(staged, target, overwrite: true);
                results.Add(new PackagedBinary(binary, target, result, Written: true, new FileInfo(target).Length, BootstrapRepackager.Sha256Of(target)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                results.Add(new PackagedBinary(binary, target, null, Written: false, Problem: e.Message));
            }
            finally
            {
                File.Delete(staged);
            }
        }

        return results;
    }

    /// <summary>A relative path inside the current folder keeps its path in the zip; anything else goes at the root by its name.</summary>
    private static string IncludedName(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(path)).Replace('\\', '/');
        return Path.IsPathRooted(path) || relative.StartsWith("../", StringComparison.Ordinal) || relative == ".." ? Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) : relative;
    }
}
