namespace Guard.Inspection.Reading;

/// <summary>
/// A read-only stream that goes forward only and is read asynchronously: the one shape of every stream over a range
/// of a package (a streamed response body, chunked ranged reads, the block cache's forward reader). A subclass
/// implements <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>; everything a forward stream cannot do throws.
/// </summary>
public abstract class ForwardReadStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Read asynchronously only: a synchronous read would block on the network.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
