using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Notifications;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Rollback;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>An <see cref="ISnsPublisher"/> that records what would have been published.</summary>
public sealed class RecordingSnsPublisher : ISnsPublisher
{
    private readonly ConcurrentQueue<SnsPublishRequest> _published = new();

    public IReadOnlyList<SnsPublishRequest> Published => [.. _published];

    public Exception? FailWith { get; set; }

    public Task<string> PublishAsync(SnsPublishRequest request, CancellationToken cancellationToken)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        _published.Enqueue(request);
        return Task.FromResult(Guid.NewGuid().ToString());
    }
}


/// <summary>An <see cref="ICodeStore"/> that records what it was asked to keep, and where the deploy said the code came from.</summary>
public sealed class RecordingCodeStore : ICodeStore
{
    private readonly ConcurrentQueue<(string CodeSha256, CodeOrigin? Origin)> _kept = new();

    public string Bucket => "guard-store";

    public IReadOnlyList<(string CodeSha256, CodeOrigin? Origin)> Kept => [.. _kept];

    public Task<StoredCode?> FindAsync(string account, string codeSha256, CancellationToken cancellationToken) => Task.FromResult<StoredCode?>(null);

    public Task<StoredCode> KeepAsync(string account, string codeSha256, Uri codeLocation, CodeOrigin? origin, CancellationToken cancellationToken)
    {
        _kept.Enqueue((codeSha256, origin));
        return Task.FromResult(new StoredCode(Bucket, CodeKeys.For(account, codeSha256), codeSha256));
    }

    public IRangeSource Open(StoredCode code) => throw new NotSupportedException("the deploy check only keeps code");
}
