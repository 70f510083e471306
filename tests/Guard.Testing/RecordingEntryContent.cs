using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>Wraps content and records every read (offset, bytes returned), so tests can assert and quote what analysis cost.</summary>
public sealed class RecordingEntryContent(IEntryContent inner) : IEntryContent
{
    private readonly List<(long Offset, int Requested, int Returned)> _reads = [];

    public long Length => inner.Length;

    public bool IsReachable(long offset, int count) => inner.IsReachable(offset, count);

    public IReadOnlyList<(long Offset, int Requested, int Returned)> Reads => _reads;

    /// <summary>Bytes returned over all reads.</summary>
    public long BytesRead => _reads.Sum(r => (long)r.Returned);

    /// <summary>Bytes callers asked for (what a buffer-sizing caller allocated).</summary>
    public long BytesRequested => _reads.Sum(r => (long)r.Requested);

    /// <summary>One past the farthest byte read: what a decompressing source had to inflate.</summary>
    public long FarthestByteRead => _reads.Count == 0 ? 0 : _reads.Max(r => r.Offset + r.Returned);

    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAtAsync(offset, destination, cancellationToken);
        _reads.Add((offset, destination.Length, read));
        return read;
    }
}
