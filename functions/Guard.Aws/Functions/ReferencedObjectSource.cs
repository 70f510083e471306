using Guard.Aws.Http;
using Guard.Inspection.Reading;

namespace Guard.Aws.Functions;

/// <summary>
/// The object version a REFERENCE function runs from, remembering S3's refusal of the first read: the engine reads
/// the tail first and words every failure as <see cref="PackageUnavailableException"/>, so only the source itself can
/// tell the inspector that this package — not a layer — is gone (404) or may not be read (403).
/// </summary>
internal sealed class ReferencedObjectSource(IRangeSource inner) : IRangeSource
{
    /// <summary>S3's answer to the first read when it refused it; null when it was read.</summary>
    public AwsServiceException? Refusal { get; private set; }

    public string DisplayName => inner.DisplayName;

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.ReadTailAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (PackageUnavailableException e) when (e.InnerException is AwsServiceException refusal)
        {
            Refusal ??= refusal;
            throw;
        }
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        inner.ReadAsync(offset, destination, cancellationToken);

    public ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(offset, length, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
