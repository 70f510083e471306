using Guard.Aws.Functions;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Guard.Aws;
using Guard.Function.CloudFormation;
using Guard.Function.Logging;
using Guard.Function.Routing;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Rules;
using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>An <see cref="IS3PackageOpener"/> serving zips from memory; can be told to fail or to hang.</summary>
public sealed class InMemoryS3PackageOpener : IS3PackageOpener
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private int _opened;

    public int Opened => Volatile.Read(ref _opened);

    /// <summary>When set, opening throws it.</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When true, every read waits forever and ignores cancellation: a stalled connection.</summary>
    public bool Hang { get; set; }

    /// <summary>When set, every read waits this long first, ignoring cancellation: a slow package source.</summary>
    public TimeSpan ReadDelay { get; set; }

    public void Put(string bucket, string key, byte[] zip) => _objects[$"{bucket}/{key}"] = zip;

    public IRangeSource Open(PackageLocation.S3Object location)
    {
        Interlocked.Increment(ref _opened);
        if (FailWith is { } failure)
        {
            throw failure;
        }

        if (Hang)
        {
            return new HangingRangeSource(location.DisplayName);
        }

        IRangeSource source = _objects.TryGetValue($"{location.Bucket}/{location.Key}", out var zip)
            ? new InMemoryRangeSource(zip, location.DisplayName)
            : throw new PackageUnavailableException($"{location.DisplayName}: not found");
        return ReadDelay > TimeSpan.Zero ? new SlowRangeSource(source, ReadDelay) : source;
    }

    private sealed class SlowRangeSource(IRangeSource inner, TimeSpan delay) : IRangeSource
    {
        public string DisplayName => inner.DisplayName;

        public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, CancellationToken.None);
            return await inner.ReadTailAsync(destination, cancellationToken);
        }

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, CancellationToken.None);
            return await inner.ReadAsync(offset, destination, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class HangingRangeSource(string name) : IRangeSource
    {
        public string DisplayName => name;

        public async ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return default;
        }

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return 0;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The custom resource and hook handlers over stand-ins, with their log captured.</summary>
public sealed class StackCheckHarness : IAsyncDisposable
{
    public const string Bucket = "orders-artifacts";

    public StackCheckHarness(TimeSpan? answerMargin = null, TimeSpan? hookBudget = null, IReadOnlySet<string>? placeholders = null, int? payloadMaxBytes = null)
    {
        Log = new GuardLog(Output, TimeProvider.System);
        Check = new PackageCheck(new DeployedFunctionInspector(Lambda, Urls, new PackageInspector(), RuntimeCatalog.Default, placeholders), S3);
        CustomResources = new CustomResourceHandler(ChecksFactory, new ResponseUrlClient(() => new HttpClient { Timeout = TimeSpan.FromSeconds(5) }), RuntimeCatalog.Default, Log, TimeProvider.System, answerMargin);
        Hooks = new HookHandler(ChecksFactory, new HookPayloadClient(() => new HttpClient { Timeout = TimeSpan.FromSeconds(5) }, payloadMaxBytes ?? HookPayloadClient.DefaultMaxBytes), RuntimeCatalog.Default, Log, TimeProvider.System, hookBudget);
    }

    public StringWriter Output { get; } = new();

    public GuardLog Log { get; }

    public FunctionCatalogStandIn Lambda { get; } = new();

    public InMemoryPackageOpener Urls { get; } = new();

    public InMemoryS3PackageOpener S3 { get; } = new();

    public ResponseUrlStandIn ResponseUrl { get; } = ResponseUrlStandIn.Start();

    public PackageCheck Check { get; }

    /// <summary>When set, building the package check throws it (e.g. no credentials on first use).</summary>
    public Exception? ComposeFailure { get; set; }

    public CustomResourceHandler CustomResources { get; }

    public HookHandler Hooks { get; }

    /// <summary>Routes <paramref name="payload"/> as the function would, with Lambda's deadline <paramref name="timeLeft"/> away.</summary>
    public async Task<string> InvokeAsync(string payload, TimeSpan? timeLeft = null)
    {
        var router = new EventRouter(new NotHandledYet(Log), CustomResources, Hooks, new NotHandledYet(Log), Log);
        var deadline = timeLeft is { } left ? DateTimeOffset.UtcNow + left : DateTimeOffset.MaxValue;
        var response = await router.HandleAsync(
            new Guard.Function.RuntimeApi.Invocation("req-1", deadline, null, null, Encoding.UTF8.GetBytes(payload)),
            TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(response.Span);
    }

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public ValueTask DisposeAsync() => ResponseUrl.DisposeAsync();

    private PackageCheck ChecksFactory() => ComposeFailure is { } failure ? throw failure : Check;
}
