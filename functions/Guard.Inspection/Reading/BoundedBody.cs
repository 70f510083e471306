using System.Buffers;

namespace Guard.Inspection.Reading;

/// <summary>
/// Reads a body that should be small (an AWS JSON answer, an image manifest, a credential helper's output) whole, up to
/// a cap: a declared length over the cap is refused before a byte is read, and a body sent without one (HTTP chunked, a
/// pipe) is counted as it arrives and abandoned at the cap. A server that streams without end costs the cap, not all
/// memory until a timeout.
/// </summary>
public static class BoundedBody
{
    private const int ChunkBytes = 81920;

    /// <summary>The whole body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, maxBytes, declared, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The rest of <paramref name="stream"/>, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    /// <param name="expectedBytes">The length the stream announced, if any: the buffer is sized once for it (never beyond the cap).</param>
    public static async Task<byte[]?> ReadAsync(Stream stream, int maxBytes, long? expectedBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var buffer = new MemoryStream(expectedBytes is { } expected and >= 0 ? (int)Math.Min(expected, maxBytes) : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }
}
