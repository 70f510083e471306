using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Events;
using Guard.Aws.Notifications;
using Guard.Aws.SecurityHub;
using Guard.Aws.Store;
using Guard.Function.Alerts;
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


/// <summary>An <see cref="ISlackPoster"/> that records what would have been posted.</summary>
public sealed class RecordingSlackPoster : ISlackPoster
{
    private readonly ConcurrentQueue<SlackMessage> _posted = new();

    public IReadOnlyList<SlackMessage> Posted => [.. _posted];

    public Task<bool> PostAsync(SlackMessage message, CancellationToken cancellationToken)
    {
        _posted.Enqueue(message);
        return Task.FromResult(true);
    }
}

/// <summary>
/// One account's Security Hub, shaped after BatchImportFindings and GetFindings: an import with a known Id replaces
/// the finding, GetFindings returns the product's active findings on a resource.
/// </summary>
public sealed class SecurityHubStandIn : ISecurityHubApi
{
    private readonly ConcurrentDictionary<string, AsffFinding> _findings = new(StringComparer.Ordinal);

    public IReadOnlyCollection<AsffFinding> Findings => [.. _findings.Values];

    public int Imports { get; private set; }

    public Exception? FailWith { get; set; }

    public Task<BatchImportResult> ImportAsync(IReadOnlyList<AsffFinding> findings, CancellationToken cancellationToken)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        Imports++;
        foreach (var finding in findings)
        {
            _findings[finding.Id] = finding;
        }

        return Task.FromResult(new BatchImportResult(findings.Count, 0, []));
    }

    public async IAsyncEnumerable<AsffFinding> ActiveFindingsAsync(string productArn, string resourceArn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var finding in _findings.Values.Where(f => f.ProductArn == productArn && f.RecordState == AsffFinding.Active && f.Resources.Any(r => r.Id == resourceArn)))
        {
            yield return finding;
        }
    }
}

/// <summary>An <see cref="IEventPublisher"/> that records what would have been put on the bus.</summary>
public sealed class RecordingEventPublisher : IEventPublisher
{
    private readonly ConcurrentQueue<EventEntry> _put = new();

    public IReadOnlyList<EventEntry> Put => [.. _put];

    public Task<string> PutAsync(EventEntry entry, CancellationToken cancellationToken)
    {
        _put.Enqueue(entry);
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
