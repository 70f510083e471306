using System.Diagnostics;
using System.Runtime.CompilerServices;
using Guard.Aws.Http;
using Guard.Aws.Lambda;
using Guard.Aws.Scanning;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Cli.Tests.Scanning;

public sealed class FunctionScannerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly byte[] GoodPackage = new PackageBuilder()
        .AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664), PackageBuilder.ExecutableMode).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task ScanAsync_WithConcurrencyN_NeverChecksMoreThanNAtOnce(int concurrency)
    {
        var lambda = new InMemoryLambda(functions: 24, getFunctionDelay: TimeSpan.FromMilliseconds(15));
        var scanner = new FunctionScanner(lambda, new DelegatingPackageOpener(_ => new InMemoryRangeSource(GoodPackage, "memory://p.zip")),
            new FunctionScannerOptions { Concurrency = concurrency, GetFunctionPerSecond = 10_000 });

        var results = await scanner.ScanAsync("us-east-1", null, Token);

        Assert.Equal(24, results.Count);
        Assert.All(results, r => Assert.Equal("ok", r.Verdict));
        Assert.Equal(concurrency, lambda.MaxInFlight);
    }

    [Fact]
    public async Task ScanAsync_GetFunctionRate_IsHeldByTheTokenBucket()
    {
        var lambda = new InMemoryLambda(functions: 12, getFunctionDelay: TimeSpan.Zero);
        var scanner = new FunctionScanner(lambda, new DelegatingPackageOpener(_ => new InMemoryRangeSource(GoodPackage, "memory://p.zip")),
            new FunctionScannerOptions { Concurrency = 4, GetFunctionPerSecond = 40 });
        var watch = Stopwatch.StartNew();

        await scanner.ScanAsync("us-east-1", null, Token);

        // A burst of 4, then 8 more at 40/s: at least 200 ms.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"{watch.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task ScanAsync_WhenPackageCannotBeFetched_ReportsUncheckedNotBroken()
    {
        var lambda = new InMemoryLambda(functions: 2, getFunctionDelay: TimeSpan.Zero);
        var scanner = new FunctionScanner(lambda, new DelegatingPackageOpener(_ => new UnavailableSource()));

        var results = await scanner.ScanAsync("us-east-1", null, Token);

        Assert.All(results, r => Assert.Equal((ScanOutcome.Unchecked, "unchecked"), (r.Outcome, r.Verdict)));
        Assert.All(results, r => Assert.Contains("403", r.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScanAsync_ReportsProgressUpToEveryFunction()
    {
        var lambda = new InMemoryLambda(functions: 5, getFunctionDelay: TimeSpan.Zero);
        var scanner = new FunctionScanner(lambda, new DelegatingPackageOpener(_ => new InMemoryRangeSource(GoodPackage, "memory://p.zip")));
        var seen = new List<ScanProgress>();

        await scanner.ScanAsync("us-east-1", new SynchronousProgress(seen), Token);

        Assert.Contains(new ScanProgress("us-east-1", 5, 5, 0), seen);
    }

    private sealed class SynchronousProgress(List<ScanProgress> seen) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }

    private sealed class UnavailableSource : IRangeSource
    {
        public string DisplayName => "https://example/p.zip";

        public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
            throw new PackageUnavailableException("https://example/p.zip: HTTP 403 (the presigned URL expired?)");

        public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
            throw new PackageUnavailableException("https://example/p.zip: HTTP 403");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Lists N provided.al2023 functions and answers GetFunction after a delay, tracking calls in flight.</summary>
    private sealed class InMemoryLambda(int functions, TimeSpan getFunctionDelay) : ILambdaApi
    {
        private int _inFlight;
        private int _maxInFlight;

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public async IAsyncEnumerable<FunctionConfiguration> ListFunctionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < functions; i++)
            {
                await Task.Yield();
                yield return Configuration(i);
            }
        }

        public async Task<FunctionDetails> GetFunctionAsync(string functionNameOrArn, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            try
            {
                await Task.Delay(getFunctionDelay, cancellationToken);
                var index = int.Parse(functionNameOrArn.AsSpan(functionNameOrArn.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
                return new FunctionDetails(Configuration(index), "https://example/p.zip", "S3", null, new Dictionary<string, string>());
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static FunctionConfiguration Configuration(int i) => new(
            $"fn-{i}", $"arn:aws:lambda:us-east-1:123456789012:function:fn-{i}", "provided.al2023", "bootstrap", ["x86_64"], [], "Zip", "", 0, null, "Active", "Successful", "$LATEST", null);

        public Task<LayerVersionContent> GetLayerVersionByArnAsync(string layerVersionArn, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<FunctionConfiguration> UpdateFunctionCodeAsync(string functionName, FunctionCodeUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, FunctionConfigurationUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<int> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task TagResourceAsync(string functionArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
