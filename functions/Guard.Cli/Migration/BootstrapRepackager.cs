using System.IO.Compression;
using System.Security.Cryptography;

namespace Guard.Cli.Migration;

/// <summary>What the repackaging did.</summary>
/// <param name="BootstrapFrom">The entry that became <c>bootstrap</c> (the old Handler's file, or <c>bootstrap</c> itself).</param>
/// <param name="Renamed">True when the binary was renamed to <c>bootstrap</c>.</param>
/// <param name="ModeFixed">True when the entry lacked <c>0755</c> and got it.</param>
/// <param name="KeptEntries">Other entries copied unchanged.</param>
/// <param name="Size">The new zip's size in bytes.</param>
/// <param name="Sha256">Base64 SHA-256 of the new zip (Lambda's CodeSha256 form).</param>
internal sealed record RepackageResult(string BootstrapFrom, bool Renamed, bool ModeFixed, int KeptEntries, long Size, string Sha256)
{
    public bool Changed => Renamed || ModeFixed;
}

/// <summary>The package cannot be migrated as it is; the message says why and what to do.</summary>
internal sealed class MigrationRefusedException(string message) : Exception(message);

/// <summary>
/// Rewrites a go1.x package for a custom runtime: the executable the old <c>Handler</c> names becomes an executable
/// <c>bootstrap</c> at the root (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-provided.html), every other entry is copied with its Unix mode and time.
/// File to file through <see cref="ZipArchive"/>'s streams, so memory stays flat whatever the package's size.
/// </summary>
internal static class BootstrapRepackager
{
    private const string Bootstrap = "bootstrap";

    /// <summary>S_IFREG | 0755 in the high 16 bits of the external attributes (APPNOTE 4.4.15, "version made by" Unix).</summary>
    private const int ExecutableFileAttributes = 0b1000_000_111_101_101 << 16;

    private const int ExecuteForOthers = 0b001;

    public static RepackageResult Repackage(string sourceZip, string targetZip, string? handler)
    {
        using (var source = ZipFile.OpenRead(sourceZip))
        {
            var existing = source.GetEntry(Bootstrap);
            var binary = existing ?? FindHandler(source, handler);
            var mode = (binary.ExternalAttributes >> 16) & 0xFFFF;
            var modeFixed = (mode & ExecuteForOthers) == 0 || (mode & 0xF000) != 0x8000;

            using var target = ZipFile.Open(targetZip, ZipArchiveMode.Create);
            var kept = 0;
            foreach (var entry in source.Entries)
            {
                if (ReferenceEquals(entry, binary))
                {
                    continue;
                }

                Copy(entry, target, entry.FullName, entry.ExternalAttributes);
                kept++;
            }

            Copy(binary, target, Bootstrap, modeFixed ? ExecutableFileAttributes : binary.ExternalAttributes);
            var result = new RepackageResult(binary.FullName, binary.FullName != Bootstrap, modeFixed, kept, 0, "");
            target.Dispose();
            return result with { Size = new FileInfo(targetZip).Length, Sha256 = Sha256Of(targetZip) };
        }
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToBase64String(SHA256.HashData(stream));
    }

    private static ZipArchiveEntry FindHandler(ZipArchive source, string? handler)
    {
        if (string.IsNullOrWhiteSpace(handler))
        {
            throw new MigrationRefusedException("the package has no bootstrap and the function names no Handler to rename");
        }

        // go1.x execs the Handler as a path under /var/task; a leading "./" or "/" is the same file.
        var name = handler.Trim().TrimStart('.', '/');
        return source.GetEntry(name) is { } entry && !entry.FullName.EndsWith('/')
            ? entry
            : throw new MigrationRefusedException(
                $"the package has no bootstrap and no file named '{handler}' (the Handler) to rename: rebuild with " +
                "GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap . && zip function.zip bootstrap");
    }

    private static void Copy(ZipArchiveEntry from, ZipArchive to, string name, int externalAttributes)
    {
        var copy = to.CreateEntry(name, CompressionLevel.Optimal);
        copy.ExternalAttributes = externalAttributes;
        copy.LastWriteTime = from.LastWriteTime;
        if (name.EndsWith('/'))
        {
            return;
        }

        using var input = from.Open();
        using var output = copy.Open();
        input.CopyTo(output);
    }
}
