using System.Collections.Concurrent;
using Guard.Aws.Functions;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;

namespace Guard.Testing;

/// <summary>
/// Repositories of <see cref="BuiltImage"/>s in memory, opened by Lambda's <c>ImageUri</c> (<c>repository@sha256:HEX</c>
/// or <c>repository:tag</c>) as a registry would serve them: the top document, then documents and blobs by digest. An
/// image never pushed, or deleted since, fails on its first read, as a registry answers a missing manifest. Records
/// every URI opened; <see cref="Delay"/> makes every first read slow (a registry that does not answer).
/// </summary>
public sealed class InMemoryImageOpener : IImageOpener
{
    private readonly ConcurrentDictionary<string, BuiltImage> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _opened = new();

    public IReadOnlyList<string> Opened => [.. _opened];

    public TimeSpan Delay { get; set; }

    /// <summary>Pushes <paramref name="image"/> to <paramref name="repository"/> (under <paramref name="tag"/> too); returns its digest reference.</summary>
    public string Push(string repository, BuiltImage image, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var pinned = $"{repository}@{image.TopDigest}";
        _images[pinned] = image;
        if (tag is not null)
        {
            _images[$"{repository}:{tag}"] = image;
        }

        return pinned;
    }

    public void Delete(string imageUri) => _images.TryRemove(imageUri, out _);

    public IImageSource Open(string imageUri)
    {
        _opened.Enqueue(imageUri);
        return new Source(this, imageUri);
    }

    private sealed class Source(InMemoryImageOpener repository, string imageUri) : IImageSource
    {
        public string DisplayName => imageUri;

        public int Requests { get; private set; }

        public long BytesRead { get; private set; }

        public async Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken)
        {
            if (repository.Delay > TimeSpan.Zero)
            {
                await Task.Delay(repository.Delay, cancellationToken);
            }

            var image = repository._images.TryGetValue(imageUri, out var found)
                ? found
                : throw new PackageUnavailableException($"{imageUri}: the repository holds no such image (ImageNotFoundException)");
            return Count(new ImageDocument(image.TopMediaType, image.TopBytes));
        }

        public Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken) =>
            Task.FromResult(Count(new ImageDocument(descriptor.MediaType, Blob(descriptor))));

        public IRangeSource OpenBlob(ImageDescriptor descriptor) => new InMemoryRangeSource(Blob(descriptor), $"{imageUri} {descriptor.Digest}");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private byte[] Blob(ImageDescriptor descriptor) =>
            repository._images.Values.Select(i => i.Blobs.GetValueOrDefault(descriptor.Digest)).FirstOrDefault(b => b is not null)
            ?? throw new PackageUnavailableException($"{imageUri}: no blob {descriptor.Digest}");

        private ImageDocument Count(ImageDocument document)
        {
            Requests++;
            BytesRead += document.Bytes.Length;
            return document;
        }
    }
}
