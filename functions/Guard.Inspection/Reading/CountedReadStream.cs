namespace Guard.Inspection.Reading;

/// <summary>
/// A forward-only read stream that reports each read's byte count as it happens, so the bytes of a streamed range are
/// counted as consumed, not as asked for: a stream abandoned early counts only what was read.
/// </summary>
public sealed class CountedReadStream(Stream inner, Action<int> onRead) : ForwardReadStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        onRead(read);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        onRead(read);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
