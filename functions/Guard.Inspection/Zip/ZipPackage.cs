using Guard.Inspection.Reading;

namespace Guard.Inspection.Zip;

/// <summary>
/// A zip package read through its central directory only. Keeps the entries the caller selected (bounded),
/// plus totals over all of them, so memory stays flat whatever the package holds.
/// CONTRACT STUB: implemented in ZipPackageReader (helper A).
/// </summary>
public sealed partial class ZipPackage
{
    /// <summary>Number of entries in the central directory.</summary>
    public long EntryCount { get; init; }

    /// <summary>Sum of the recorded uncompressed sizes of all entries (saturating, never overflows).</summary>
    public long TotalUncompressedSize { get; init; }

    /// <summary>The entries <c>keep</c> selected, in central directory order, at most <c>maxKept</c>.</summary>
    public required IReadOnlyList<CentralDirectoryEntry> KeptEntries { get; init; }

    /// <summary>True when more entries matched <c>keep</c> than <c>maxKept</c> allowed.</summary>
    public bool KeptEntriesTruncated { get; init; }

    /// <summary>The first encrypted entry, if any (Lambda cannot extract it).</summary>
    public CentralDirectoryEntry? FirstEncryptedEntry { get; init; }

    /// <summary>The first entry compressed with a method other than stored or deflate, if any.</summary>
    public CentralDirectoryEntry? FirstUnsupportedCompressionEntry { get; init; }
}
