using Guard.Inspection.Reading;

namespace Guard.Aws.Functions;

/// <summary>
/// A range source shown under another name: a presigned Code.Location says nothing to a person (a Lambda-owned
/// bucket), so reports of deployed functions name the function's or the layer's ARN instead.
/// </summary>
public sealed class LabelledRangeSource(IRangeSource inner, string displayName) : IRangeSource
{
    public string DisplayName => displayName;

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        inner.ReadTailAsync(destination, cancellationToken);

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        inner.ReadAsync(offset, destination, cancellationToken);

    public ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(offset, length, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
