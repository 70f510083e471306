using Guard.Cli.Apps;
using Guard.Cli.Packaging;

namespace Guard.Cli.Migration.Source;

/// <summary>A built package judged as it would be on the target runtime.</summary>
/// <param name="Result">The engine's result, or null when the package could not be made into one (<paramref name="Problem"/>).</param>
internal sealed record BuiltPackageResult(BuiltPackage Package, CheckResult? Result, string? Problem);

/// <summary>
/// Judges what was already built (<c>.aws-sam/build/Fn</c>, a zip, <c>.serverless/fn.zip</c>) on the target runtime
/// before anything is written: the binary the old Handler names is put in a temporary package as bootstrap, the way
/// the migrated build will pack it, and <c>guard check</c>'s own per-package check judges that package — so a
/// library AL2023 lacks, a glibc too new, or an old Go runtime client shows up now, not at the first invocation.
/// </summary>
internal static class BuiltPackageCheck
{
    public static async Task<IReadOnlyList<BuiltPackageResult>> RunAsync(IReadOnlyList<BuiltPackage> packages, string runtime, CancellationToken cancellationToken)
    {
        if (packages.Count == 0)
        {
            return [];
        }

        // Local zips only: the connection's clients are never made, so no credentials are needed.
        using var connection = Scanning.AwsConnection.FromProcess();
        using var sources = connection.PackageSources();
        var check = PackageVerdict.CreateCheck(sources);
        var results = new List<BuiltPackageResult>();
        var scratch = Directory.CreateTempSubdirectory("guard-migrate-");
        try
        {
            foreach (var package in packages.DistinctBy(p => (Path.GetFullPath(p.Path), p.Binary)))
            {
                string zip;
                try
                {
                    zip = AsBootstrapZip(package, scratch.FullName);
                }
                catch (Exception e) when (e is MigrationRefusedException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
                {
                    results.Add(new BuiltPackageResult(package, null, e.Message));
                    continue;
                }

                var request = new PackageRequest(zip, runtime, package.Architecture, [], MigrationTarget.Bootstrap);
                results.Add(new BuiltPackageResult(package, await check.RunAsync(request, cancellationToken).ConfigureAwait(false), null));
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        return results;
    }

    private static string AsBootstrapZip(BuiltPackage package, string scratch)
    {
        var zip = Path.Combine(scratch, $"{Guid.NewGuid():N}.zip");
        if (Directory.Exists(package.Path))
        {
            var name = package.Binary ?? MigrationTarget.Bootstrap;
            var binary = Path.Combine(package.Path, name);
            if (!File.Exists(binary))
            {
                throw new MigrationRefusedException($"{package.Path} holds neither bootstrap nor '{name}' (the Handler)");
            }

            var others = package.BinaryOnly ? new List<ZipInput>() : FunctionZip.Expand("", package.Path).Where(f => Path.GetFullPath(f.Path) != Path.GetFullPath(binary)).ToList();
            FunctionZip.Write(zip, binary, others);
            return zip;
        }

        if (package.Binary is null || TemplateSource.ZipHas(package.Path, MigrationTarget.Bootstrap))
        {
            return package.Path;
        }

        BootstrapRepackager.Repackage(package.Path, zip, package.Binary);
        return zip;
    }
}
