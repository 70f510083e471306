using System.Security.Cryptography;
using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Aws.Http;
using Guard.Aws.S3;
using Guard.Aws.Store;
using Guard.Function.Logging;
using Guard.Inspection.Reading;

namespace Guard.Function.Rollback;

/// <summary>Where the deploy call took its code from (CloudTrail <c>requestParameters</c>), when it named an S3 object.</summary>
/// <param name="S3ObjectVersion">Only with a version is the object known to be the bytes Lambda read: a key alone may have been overwritten since.</param>
public sealed record CodeOrigin(string S3Bucket, string S3Key, string? S3ObjectVersion);

/// <summary>Keeps good code so it can be put back later.</summary>
public interface ICodeStore
{
    string Bucket { get; }

    /// <param name="account">The function's account: copies are kept under it (<see cref="CodeKeys.For"/>).</param>
    Task<StoredCode?> FindAsync(string account, string codeSha256, CancellationToken cancellationToken);

    /// <summary>Copies the code unless the same digest is already stored for the account; returns where it is.</summary>
    /// <exception cref="CodeCopyException">The bytes read did not hash to <paramref name="codeSha256"/> (the function changed meanwhile).</exception>
    Task<StoredCode> KeepAsync(string account, string codeSha256, Uri codeLocation, CodeOrigin? origin, CancellationToken cancellationToken);

    /// <summary>Range reads over a stored copy, to check it before it is put back.</summary>
    IRangeSource Open(StoredCode code);
}

/// <summary>The code Guard read was not the code it was told it would be.</summary>
public sealed class CodeCopyException(string message) : Exception(message);

/// <summary>
/// <see cref="ICodeStore"/> in <c>GUARD_STORE_BUCKET</c> under <see cref="CodeKeys.For"/> (the layout
/// <c>guard rollback</c> reads too). Code that came from S3 is copied server-side when Guard may read it;
/// anything else is streamed from the presigned <c>Code.Location</c> through one buffer of <see cref="PartSize"/>,
/// one part in flight, and hashed on the way: a copy is completed only when its SHA-256 is the function's
/// <c>CodeSha256</c>. The package never passes through memory whole, whatever its size.
/// </summary>
public sealed class S3CodeStore : ICodeStore
{
    /// <summary>S3's minimum part size is 5 MiB; 8 MiB keeps a 250 MB package under 32 parts.</summary>
    public const int PartSize = 8 * 1024 * 1024;

    private const string ZipContentType = "application/zip";

    private readonly S3Client _s3;
    private readonly HttpClient _http;
    private readonly CodeLocationRewrite? _rewrite;
    private readonly GuardLog _log;

    // One buffer for the process, allocated at the first copy and handed to every later one: a warm process holds
    // one part of memory for copies, not one per copy or per part left for the GC. Two copies at once (not in one
    // Lambda process, which takes one event at a time) would each have one; only one is kept.
    private byte[]? _spareBuffer;

    public S3CodeStore(S3Client s3, string bucket, HttpClient http, CodeLocationRewrite? rewrite, GuardLog log)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(log);
        _s3 = s3;
        Bucket = bucket;
        _http = http;
        _rewrite = rewrite;
        _log = log;
    }

    public string Bucket { get; }

    public async Task<StoredCode?> FindAsync(string account, string codeSha256, CancellationToken cancellationToken)
    {
        var key = CodeKeys.For(account, codeSha256);
        return await _s3.ExistsAsync(Bucket, key, cancellationToken).ConfigureAwait(false)
            ? new StoredCode(Bucket, key, codeSha256)
            : null;
    }

    public async Task<StoredCode> KeepAsync(string account, string codeSha256, Uri codeLocation, CodeOrigin? origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeLocation);
        if (await FindAsync(account, codeSha256, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        var target = new StoredCode(Bucket, CodeKeys.For(account, codeSha256), codeSha256);
        if (origin is not null && await TryCopyAsync(origin, target, cancellationToken).ConfigureAwait(false))
        {
            return target;
        }

        var location = _rewrite?.Apply(codeLocation) ?? codeLocation;
        using var response = await _http.GetAsync(location, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // Not the URL: it is presigned, and its query is a credential.
            throw new PackageUnavailableException($"{location.GetLeftPart(UriPartial.Path)}: HTTP {(int)response.StatusCode} while copying the code to the store");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Not zeroed: every byte sent is one just read into it.
            var buffer = Interlocked.Exchange(ref _spareBuffer, null) ?? GC.AllocateUninitializedArray<byte>(PartSize);
            try
            {
                await StreamAsync(stream, buffer, target, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _spareBuffer = buffer;
            }
        }

        return target;
    }

    public IRangeSource Open(StoredCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return new S3RangeSource(_s3, code.Bucket, code.Key);
    }

    private async Task<bool> TryCopyAsync(CodeOrigin origin, StoredCode target, CancellationToken cancellationToken)
    {
        try
        {
            var copied = await _s3.CopyObjectAsync(
                new S3ObjectRequest(origin.S3Bucket, origin.S3Key, origin.S3ObjectVersion),
                target.Bucket,
                target.Key,
                cancellationToken).ConfigureAwait(false);
            if (copied.ChecksumSha256 is { Length: > 0 } checksum)
            {
                if (string.Equals(checksum, target.CodeSha256, StringComparison.Ordinal))
                {
                    return true;
                }

                // A whole-object SHA-256 that differs: not the deployed bytes (the key was overwritten since). The streamed copy below overwrites it.
                _log.Warn($"s3://{origin.S3Bucket}/{origin.S3Key} (version {origin.S3ObjectVersion ?? "latest"}) hashes to {checksum}, not {target.CodeSha256}; copying from Code.Location instead");
                return false;
            }

            // No checksum to compare: a version names the bytes Lambda read, a bare key may have changed since.
            return origin.S3ObjectVersion is not null;
        }
        catch (AwsServiceException e) when (e.StatusCode is 301 or 400 or 403 or 404)
        {
            // The deployer's bucket may not let Guard read it (or is in another region): Code.Location always can.
            _log.Info($"server-side copy from s3://{origin.S3Bucket}/{origin.S3Key} refused ({e.ErrorCode}); copying from Code.Location instead");
            return false;
        }
    }

    /// <summary>
    /// Reads the package through <paramref name="buffer"/>: a package that fits in it is one PutObject, a larger one
    /// a multipart upload whose parts are the buffer's successive fillings, each sent before the next is read.
    /// </summary>
    private async Task StreamAsync(Stream source, byte[] buffer, StoredCode target, CancellationToken cancellationToken)
    {
        var filled = await FillAsync(source, buffer, cancellationToken).ConfigureAwait(false);
        if (filled < buffer.Length)
        {
            Verify(SHA256.HashData(buffer.AsSpan(0, filled)), target);
            await _s3.PutObjectAsync(target.Bucket, target.Key, buffer.AsMemory(0, filled), ZipContentType, cancellationToken).ConfigureAwait(false);
            return;
        }

        var uploadId = await _s3.CreateMultipartUploadAsync(target.Bucket, target.Key, ZipContentType, cancellationToken).ConfigureAwait(false);
        var completed = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var parts = new List<S3Part>();
            while (filled > 0)
            {
                hash.AppendData(buffer, 0, filled);
                parts.Add(await _s3.UploadPartAsync(
                    target.Bucket, target.Key, uploadId, parts.Count + 1, buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false));
                filled = filled < buffer.Length ? 0 : await FillAsync(source, buffer, cancellationToken).ConfigureAwait(false);
            }

            Verify(hash.GetHashAndReset(), target);
            await _s3.CompleteMultipartUploadAsync(target.Bucket, target.Key, uploadId, parts, cancellationToken).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                // Not the caller's token: it may be what failed, and the parts would otherwise be billed until a lifecycle rule clears them.
                await _s3.AbortMultipartUploadAsync(target.Bucket, target.Key, uploadId, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static void Verify(byte[] digest, StoredCode target)
    {
        var actual = Convert.ToBase64String(digest);
        if (!string.Equals(actual, target.CodeSha256, StringComparison.Ordinal))
        {
            throw new CodeCopyException($"the code read hashes to {actual}, not {target.CodeSha256}: the function changed while Guard copied it");
        }
    }

    private static async Task<int> FillAsync(Stream source, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = await source.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
