using Guard.Inspection.Reading;

namespace Guard.Inspection.Images;

/// <summary>
/// Where an image's documents and blobs are read from without pulling it: an OCI image layout folder, an image tar
/// (<c>docker save</c> or an OCI archive), a registry. Manifests and the config are small and read whole; layers are
/// opened as range sources and streamed.
/// </summary>
public interface IImageSource : IAsyncDisposable
{
    /// <summary>Safe to print: never carries credentials.</summary>
    string DisplayName { get; }

    /// <summary>Documents read so far (manifests, config, token exchanges): requests, for the report's stats.</summary>
    int Requests { get; }

    /// <summary>Bytes of those documents.</summary>
    long BytesRead { get; }

    /// <summary>The document the image is named by: the manifest or index a registry reference resolves to, or a layout's <c>index.json</c>.</summary>
    Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken);

    /// <summary>A manifest or index an index points at; a config blob.</summary>
    Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken);

    /// <summary>A layer blob, read as far as the caller streams it.</summary>
    IRangeSource OpenBlob(ImageDescriptor descriptor);
}

/// <param name="MediaType">What the source says it is (a registry's Content-Type); null when only the document can say.</param>
/// <param name="IsLayoutIndex">The document lists the images of a layout (its <c>index.json</c>), not one image's platforms.</param>
public sealed record ImageDocument(string? MediaType, ReadOnlyMemory<byte> Bytes, bool IsLayoutIndex = false)
{
    /// <summary>Manifests and configs are a few KiB; every source refuses one larger than this, so a hostile one cannot fill memory.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;
}

/// <summary>A window of another range source: a blob inside an image tar.</summary>
internal sealed class SliceRangeSource(IRangeSource inner, long offset, long length, string displayName) : IRangeSource
{
    public string DisplayName => displayName;

    public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(destination.Length, length);
        var read = await ReadAsync(length - count, destination[..count], cancellationToken).ConfigureAwait(false);
        return new TailRead(length, read);
    }

    public ValueTask<int> ReadAsync(long position, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Clamp(length - position, 0, destination.Length);
        return count == 0 ? ValueTask.FromResult(0) : inner.ReadAsync(offset + position, destination[..count], cancellationToken);
    }

    public ValueTask<Stream> OpenReadAsync(long position, long count, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(offset + position, Math.Clamp(count, 0, Math.Max(length - position, 0)), cancellationToken);

    // The archive owns the file; its slices share it.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
