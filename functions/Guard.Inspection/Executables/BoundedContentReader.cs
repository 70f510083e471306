using Guard.Inspection.Reading;

namespace Guard.Inspection.Executables;

/// <summary>
/// Reads beyond the already-read prefix within a fixed byte budget, so hostile header fields can make analysis
/// give up early but never read (or allocate) more than <see cref="BudgetBeyondPrefix"/>. Keeps the last few windows
/// read, because the version-needs chain and the strings it names sit close together but apart from each other.
/// </summary>
internal sealed class BoundedContentReader(IEntryContent content, ReadOnlyMemory<byte> prefix, long budgetBeyondPrefix)
{
    private const int WindowsKept = 4;
    private readonly List<(long Offset, ReadOnlyMemory<byte> Bytes)> _windows = new(WindowsKept);

    public ReadOnlyMemory<byte> Prefix => prefix;

    public long Length => content.Length;

    public long BudgetBeyondPrefix => budgetBeyondPrefix;

    public long BytesReadBeyondPrefix { get; private set; }

    public bool BudgetExhausted { get; private set; }

    /// <summary>Whether the bytes at [offset, offset + count) are in the prefix, or within what the content can reach.</summary>
    public bool IsReachable(ulong offset, int count) =>
        offset + (ulong)count <= (ulong)prefix.Length || (offset <= long.MaxValue - (ulong)count && content.IsReachable((long)offset, count));

    /// <summary>
    /// Which of <paramref name="needles"/> occur in [offset, offset + length), read in 1 MiB windows outside the budget:
    /// a scan is bounded by the range, which the caller takes from a segment of the file and checks is reachable.
    /// </summary>
    public async ValueTask<bool[]> ContainsAsync(ulong offset, ulong length, IReadOnlyList<byte[]> needles, CancellationToken cancellationToken)
    {
        const int WindowLength = 1024 * 1024;
        var found = new bool[needles.Count];
        var overlap = needles.Max(n => n.Length) - 1;
        var window = new byte[WindowLength + overlap];
        var end = Math.Min(offset + length, (ulong)content.Length);
        var carried = 0;
        if (offset < (ulong)prefix.Length)
        {
            // What the prefix holds is searched there, not read again.
            var held = prefix.Span[(int)offset..(int)Math.Min(end, (ulong)prefix.Length)];
            for (var i = 0; i < needles.Count; i++)
            {
                found[i] = held.IndexOf(needles[i]) >= 0;
            }

            carried = Math.Min(overlap, held.Length);
            held[^carried..].CopyTo(window);
            offset += (ulong)held.Length;
        }

        for (var at = offset; at < end && !found.All(f => f) && prefix.Length < content.Length;)
        {
            var size = (int)Math.Min(WindowLength, end - at);
            var read = await ReadFullyAsync(content, (long)at, window.AsMemory(carried, size), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            var span = window.AsSpan(0, carried + read);
            for (var i = 0; i < needles.Count; i++)
            {
                found[i] |= span.IndexOf(needles[i]) >= 0;
            }

            // Keep the last bytes so a needle split across two windows is still seen.
            carried = Math.Min(overlap, span.Length);
            span[^carried..].CopyTo(window);
            at += (ulong)read;
        }

        return found;
    }

    /// <summary>
    /// Returns up to <paramref name="count"/> bytes at <paramref name="offset"/>: fewer at the end of the content or once
    /// the budget is spent. A miss reads max(count, <paramref name="readAhead"/>) bytes and keeps them as a window.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(ulong offset, int count, CancellationToken cancellationToken, int readAhead = 0)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (count <= 0 || offset > long.MaxValue - int.MaxValue || offset >= (ulong)Math.Max(content.Length, prefix.Length))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var start = (long)offset;
        if (start + count <= prefix.Length)
        {
            return prefix.Slice((int)start, count);
        }

        if (prefix.Length >= content.Length)
        {
            // The prefix is the whole file: what it lacks does not exist.
            return start < prefix.Length ? prefix[(int)start..] : ReadOnlyMemory<byte>.Empty;
        }

        foreach (var (windowOffset, bytes) in _windows)
        {
            if (start >= windowOffset && start + count <= windowOffset + bytes.Length)
            {
                return bytes.Slice((int)(start - windowOffset), count);
            }
        }

        var size = (int)Math.Min(Math.Max(count, readAhead), content.Length - start);
        if (size <= 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (BytesReadBeyondPrefix + size > budgetBeyondPrefix)
        {
            BudgetExhausted = true;
            return ReadOnlyMemory<byte>.Empty;
        }

        var buffer = new byte[size];
        BytesReadBeyondPrefix += size;
        var read = await ReadFullyAsync(content, start, buffer, cancellationToken).ConfigureAwait(false);
        if (_windows.Count == WindowsKept)
        {
            _windows.RemoveAt(0);
        }

        _windows.Add((start, buffer.AsMemory(0, read)));
        return buffer.AsMemory(0, Math.Min(count, read));
    }

    /// <summary>Fills <paramref name="destination"/> unless the content ends first; returns how much was filled.</summary>
    public static async ValueTask<int> ReadFullyAsync(IEntryContent content, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = await content.ReadAtAsync(offset + total, destination[total..], cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
