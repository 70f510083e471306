using Guard.Aws;
using Guard.Inspection.Reading;

namespace Guard.Cli.Apps;

/// <summary>
/// Opens PACKAGE and LAYER arguments: a local folder as the zip it would become (<see cref="FolderPackageSource"/>),
/// everything else through <see cref="PackageSourceFactory"/> (local zips, s3://, http(s)://).
/// </summary>
internal sealed class PackageArguments(PackageSourceFactory factory)
{
    /// <exception cref="FormatException">The argument is malformed.</exception>
    /// <exception cref="PackageUnavailableException">It cannot be opened.</exception>
    public IRangeSource Open(string package) =>
        IsLocalFolder(package) ? FolderPackageSource.Open(package) : factory.Open(package);

    public static bool IsLocalFolder(string package) =>
        !package.Contains("://", StringComparison.Ordinal) && Directory.Exists(package);
}
