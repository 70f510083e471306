using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;

namespace Guard.Aws.Ecr;

/// <summary>
/// An image in ECR read through ECR's own API with AWS credentials, as Lambda pulls it: BatchGetImage for the manifest
/// (or index) by tag or digest, GetDownloadUrlForLayer for a presigned URL of the config blob and of each layer the
/// engine asks for, read with range requests like any package. Nothing is fetched before the engine asks, so a verdict
/// the config settles costs two ECR calls and one small GET. Blobs are named by the image and their digest: a presigned
/// URL never reaches a report or a message.
/// </summary>
public sealed class EcrImageSource : IImageSource
{
    private readonly EcrImageUri _image;
    private readonly IEcrApi _ecr;
    private readonly IPackageOpener _blobs;
    private readonly List<IRangeSource> _opened = [];
    private int _requests;
    private long _bytesRead;

    /// <param name="blobs">Opens a presigned blob URL (the same opener as a function's Code.Location).</param>
    public EcrImageSource(EcrImageUri image, IEcrApi ecr, IPackageOpener blobs)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(ecr);
        ArgumentNullException.ThrowIfNull(blobs);
        _image = image;
        _ecr = ecr;
        _blobs = blobs;
    }

    public string DisplayName => _image.ToString();

    /// <summary>ECR calls (BatchGetImage, GetDownloadUrlForLayer) and the config's GET; layer reads are counted by the engine.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public Task<ImageDocument> ReadTopAsync(CancellationToken cancellationToken) => ManifestAsync(_image.Tag, _image.Digest, cancellationToken);

    public async Task<ImageDocument> ReadDocumentAsync(ImageDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (ImageMediaTypes.IsIndex(descriptor.MediaType) || ImageMediaTypes.IsManifest(descriptor.MediaType))
        {
            return await ManifestAsync(tag: null, descriptor.Digest, cancellationToken).ConfigureAwait(false);
        }

        if (descriptor.Size is < 0 or > ImageDocument.MaxBytes)
        {
            throw new InvalidImageException($"a document of {descriptor.Size} bytes is too large for a manifest or config");
        }

        // A config is a blob like a layer: ECR serves it through the same presigned URL.
        await using var blob = new EcrBlobSource(this, descriptor.Digest);
        var bytes = new byte[descriptor.Size];
        var read = 0;
        while (read < bytes.Length)
        {
            var got = await blob.ReadAsync(read, bytes.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                break;
            }

            read += got;
        }

        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytesRead, read);
        return new ImageDocument(null, bytes.AsMemory(0, read));
    }

    public IRangeSource OpenBlob(ImageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var blob = new EcrBlobSource(this, descriptor.Digest);
        lock (_opened)
        {
            _opened.Add(blob);
        }

        return blob;
    }

    public async ValueTask DisposeAsync()
    {
        IRangeSource[] opened;
        lock (_opened)
        {
            opened = [.. _opened];
            _opened.Clear();
        }

        foreach (var source in opened)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<ImageDocument> ManifestAsync(string? tag, string? digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        EcrManifest manifest;
        try
        {
            manifest = await _ecr.GetManifestAsync(_image.RegistryId, _image.Repository, tag, digest, ImageMediaTypes.Accepted, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw Unavailable(e, digest is null || digest == _image.Digest ? "image" : $"manifest {digest}");
        }

        if (manifest.Bytes.Length > ImageDocument.MaxBytes)
        {
            throw new InvalidImageException($"a document of {manifest.Bytes.Length} bytes is too large for a manifest or config");
        }

        Interlocked.Add(ref _bytesRead, manifest.Bytes.Length);
        return new ImageDocument(manifest.MediaType, manifest.Bytes);
    }

    private async Task<Uri> DownloadUrlAsync(string digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        try
        {
            return await _ecr.GetDownloadUrlAsync(_image.RegistryId, _image.Repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw Unavailable(e, $"blob {digest}");
        }
    }

    /// <summary>What ECR said, and for a refusal what usually causes it: a repository in another account whose policy does not name Guard's role.</summary>
    private PackageUnavailableException Unavailable(AwsServiceException e, string what)
    {
        var hint = e.ErrorCode is "AccessDeniedException" or "AccessDenied"
            ? $" (Guard's role needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository; for a repository in account {_image.RegistryId}, its repository policy must allow Guard's role too)"
            : "";
        return new PackageUnavailableException($"{DisplayName}: ECR could not give the {what} ({e.ErrorCode}: {e.ServiceMessage.ReplaceLineEndings(" ")}){hint}", e)
        {
            IsTransient = e.IsTransient,
        };
    }

    /// <summary>
    /// One blob: its presigned URL asked for on the first read (a layer the engine never reaches costs nothing), read
    /// through the package opener; failures name the image and the digest instead of the URL.
    /// </summary>
    private sealed class EcrBlobSource(EcrImageSource image, string digest) : IRangeSource
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private IRangeSource? _inner;

        public string DisplayName { get; } = $"{image.DisplayName} blob {digest}";

        public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            var inner = await InnerAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await inner.ReadTailAsync(destination, cancellationToken).ConfigureAwait(false);
            }
            catch (PackageUnavailableException e)
            {
                throw Renamed(e, inner);
            }
        }

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            var inner = await InnerAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await inner.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            }
            catch (PackageUnavailableException e)
            {
                throw Renamed(e, inner);
            }
        }

        public async ValueTask<Stream> OpenReadAsync(long offset, long length, CancellationToken cancellationToken)
        {
            var inner = await InnerAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return new RenamingStream(await inner.OpenReadAsync(offset, length, cancellationToken).ConfigureAwait(false), this, inner);
            }
            catch (PackageUnavailableException e)
            {
                throw Renamed(e, inner);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _inner, null) is { } inner)
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }

            _gate.Dispose();
        }

        private async ValueTask<IRangeSource> InnerAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _inner) is { } known)
            {
                return known;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_inner is null)
                {
                    var url = await image.DownloadUrlAsync(digest, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        _inner = image._blobs.Open(url);
                    }
                    catch (PackageUnavailableException e)
                    {
                        throw new PackageUnavailableException($"{DisplayName}: {e.Message.Replace(HttpRangeSource.DisplayNameOf(url), "the presigned URL", StringComparison.Ordinal)}", e) { IsTransient = e.IsTransient };
                    }
                }

                return _inner;
            }
            finally
            {
                _gate.Release();
            }
        }

        internal PackageUnavailableException Renamed(PackageUnavailableException e, IRangeSource inner) =>
            new(e.Message.Replace(inner.DisplayName, DisplayName, StringComparison.Ordinal), e) { IsTransient = e.IsTransient };
    }

    /// <summary>A layer's body stream whose read failures name the blob, not its URL.</summary>
    private sealed class RenamingStream(Stream inner, EcrBlobSource blob, IRangeSource source) : ForwardReadStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (PackageUnavailableException e)
            {
                throw blob.Renamed(e, source);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Opens ECR images for judging: the ECR client of the image's region, blobs through the package opener.</summary>
public interface IEcrImages
{
    IImageSource Open(EcrImageUri image);
}

/// <param name="ecrIn">The ECR client for a region (the image's, which Lambda requires to be the function's), made by the caller and owned by it.</param>
public sealed class EcrImages(Func<string, IEcrApi> ecrIn, IPackageOpener blobs) : IEcrImages
{
    public IImageSource Open(EcrImageUri image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new EcrImageSource(image, ecrIn(image.Region), blobs);
    }
}
