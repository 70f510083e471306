using System.Net;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Reading;

public sealed class HttpRangeSourceTests : IAsyncLifetime
{
    private const string Presigned =
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20250101T000000Z&X-Amz-Expires=600&X-Amz-Security-Token=SECRETTOKEN&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=deadbeefcafe";

    private static readonly byte[] Package = MakeBytes(100_000);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private LocalHttpServer _server = null!;
    private Uri _url = null!;

    public ValueTask InitializeAsync()
    {
        _server = LocalHttpServer.Start();
        _url = new Uri(_server.Serve("/snapshots/123456789012/fn.zip", Package) + Presigned);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ReadTail_WhenServerHonoursRange_ReturnsLengthAndLastBytesInOneRequest()
    {
        await using var source = new HttpRangeSource(_http, _url);
        var buffer = new byte[4096];

        var tail = await source.ReadTailAsync(buffer, TestContext.Current.CancellationToken);

        Assert.Equal(Package.Length, tail.Length);
        Assert.Equal(buffer.Length, tail.BytesRead);
        Assert.Equal(Package[^4096..], buffer);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("bytes=-4096", request.Range);
        Assert.Equal(206, request.StatusCode);
        Assert.Equal(4096, _server.BytesSent);
    }

    [Fact]
    public async Task OpenRead_WhenServerHonoursRange_IsOneRangedRequestReadAsFarAsTheCallerReads()
    {
        await using var source = new HttpRangeSource(_http, _url);
        await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken);
        var buffer = new byte[30_000];

        await using (var stream = await source.OpenReadAsync(1_000, 90_000, TestContext.Current.CancellationToken))
        {
            await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, 10_000), TestContext.Current.CancellationToken);
        }

        Assert.Equal(Package.AsSpan(31_000, 10_000).ToArray(), buffer[..10_000]);
        var request = _server.Requests[^1];
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal("bytes=1000-90999", request.Range);
        Assert.Equal(206, request.StatusCode);
    }

    [Fact]
    public async Task OpenRead_WhenTheBodyEndsEarly_FailsAsTransientlyUnavailable()
    {
        _server.TruncateBodiesTo = 5_000;
        await using var source = new HttpRangeSource(_http, _url);
        await using var stream = await source.OpenReadAsync(0, 50_000, TestContext.Current.CancellationToken);

        var failure = await Assert.ThrowsAsync<PackageUnavailableException>(async () => await stream.ReadExactlyAsync(new byte[50_000], TestContext.Current.CancellationToken));

        Assert.True(failure.IsTransient);
        Assert.DoesNotContain("SECRETTOKEN", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenBufferLargerThanPackage_ReturnsWholePackage()
    {
        var small = _server.Serve("/small.zip", Package.AsMemory(0, 100));
        await using var source = new HttpRangeSource(_http, small);
        var buffer = new byte[4096];

        var tail = await source.ReadTailAsync(buffer, TestContext.Current.CancellationToken);

        Assert.Equal(new TailRead(100, 100), tail);
        Assert.Equal(Package[..100], buffer[..100]);
    }

    [Fact]
    public async Task ReadTail_WhenObjectEmpty_ReturnsLengthZero()
    {
        var empty = _server.Serve("/empty.zip", ReadOnlyMemory<byte>.Empty);
        await using var source = new HttpRangeSource(_http, empty);

        var tail = await source.ReadTailAsync(new byte[64], TestContext.Current.CancellationToken);

        Assert.Equal(new TailRead(0, 0), tail);
        // The 416 is confirmed by a read without Range: only then is the object known to be empty.
        Assert.Equal([416, 200], _server.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task ReadTail_WhenServerRefusesEveryRequestWith416_FailsAsUnavailableNotAsAnEmptyPackage()
    {
        _server.FailWith = HttpStatusCode.RequestedRangeNotSatisfiable;
        await using var source = new HttpRangeSource(_http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[64], TestContext.Current.CancellationToken));

        Assert.StartsWith(source.DisplayName + ": the server refused the range", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 416", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenBodyStallsMidway_FailsAfterTheIdleTimeoutAsTransient()
    {
        _server.StallBodiesAfter = 100;
        await using var source = new HttpRangeSource(_http, _url, idleTimeout: TimeSpan.FromMilliseconds(300));

        // HttpClient.Timeout (30 s) ended with the headers; only the idle timeout can end this read.
        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[4096], TestContext.Current.CancellationToken));

        Assert.Equal($"{source.DisplayName}: the server stopped sending the body (nothing for 0.3 s)", e.Message);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Read_WhenServerIgnoresRangeAndStalls_FailsAfterTheIdleTimeout()
    {
        _server.IgnoreRange = true;
        _server.StallBodiesAfter = 1000;
        await using var source = new HttpRangeSource(_http, _url, idleTimeout: TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadAsync(0, new byte[16], TestContext.Current.CancellationToken));

        Assert.Contains("stopped sending the body", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenRedirectedToAFileUrl_FailsNamingTheUrlAndTheRedirect()
    {
        _server.RedirectTo = "file:///etc/passwd";
        await using var source = new HttpRangeSource(_http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.StartsWith(source.DisplayName + ": the server redirected to an address that cannot be fetched", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETTOKEN", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenARedirectIsNotFollowed_NamesWhereItPointsWithoutItsQuery()
    {
        _server.RedirectTo = "https://elsewhere.example/fn.zip?X-Amz-Signature=other";
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        await using var source = new HttpRangeSource(http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.Equal($"{source.DisplayName}: redirected (HTTP 302) to https://elsewhere.example/fn.zip, which is not followed; give the final http(s) URL", e.Message);
    }

    [Fact]
    public async Task Read_AfterTail_ReturnsExactBytesWithOneRangedRequestEach()
    {
        await using var source = new HttpRangeSource(_http, _url);
        var token = TestContext.Current.CancellationToken;
        await source.ReadTailAsync(new byte[1024], token);
        var buffer = new byte[5000];

        var read = await source.ReadAsync(12_345, buffer, token);

        Assert.Equal(5000, read);
        Assert.Equal(Package.AsSpan(12_345, 5000).ToArray(), buffer);
        Assert.Equal("bytes=12345-17344", _server.Requests[1].Range);
        Assert.Equal(2, _server.RequestCount);
        Assert.Equal(1024 + 5000, _server.BytesSent);
    }

    [Fact]
    public async Task Read_WhenRangeRunsPastEnd_ReturnsBytesUpToEnd()
    {
        await using var source = new HttpRangeSource(_http, _url);
        var buffer = new byte[1000];

        var read = await source.ReadAsync(Package.Length - 300, buffer, TestContext.Current.CancellationToken);

        Assert.Equal(300, read);
        Assert.Equal(Package[^300..], buffer[..300]);
    }

    [Fact]
    public async Task Read_AtOrPastKnownEnd_ReturnsZeroWithoutRequest()
    {
        await using var source = new HttpRangeSource(_http, _url);
        var token = TestContext.Current.CancellationToken;
        await source.ReadTailAsync(new byte[16], token);

        var read = await source.ReadAsync(Package.Length, new byte[16], token);

        Assert.Equal(0, read);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Read_PastEndBeforeLengthKnown_ReturnsZero()
    {
        await using var source = new HttpRangeSource(_http, _url);

        var read = await source.ReadAsync(Package.Length + 10, new byte[16], TestContext.Current.CancellationToken);

        Assert.Equal(0, read);
        Assert.Equal(416, Assert.Single(_server.Requests).StatusCode);
    }

    [Fact]
    public async Task ReadTail_WhenServerIgnoresRange_StreamsToDiskOnceAndServesLaterReadsWithoutRequests()
    {
        _server.IgnoreRange = true;
        await using var source = new HttpRangeSource(_http, _url);
        var token = TestContext.Current.CancellationToken;
        var tailBuffer = new byte[2048];

        var tail = await source.ReadTailAsync(tailBuffer, token);
        var buffer = new byte[3000];
        var read = await source.ReadAsync(50_000, buffer, token);
        var again = await source.ReadTailAsync(new byte[10], token);

        Assert.Equal(new TailRead(Package.Length, 2048), tail);
        Assert.Equal(Package[^2048..], tailBuffer);
        Assert.Equal(3000, read);
        Assert.Equal(Package.AsSpan(50_000, 3000).ToArray(), buffer);
        Assert.Equal(new TailRead(Package.Length, 10), again);
        Assert.True(source.IsBufferedToDisk);
        var only = Assert.Single(_server.Requests);
        Assert.Equal(200, only.StatusCode);
        Assert.Equal(Package.Length, _server.BytesSent);
    }

    [Fact]
    public async Task Read_WhenServerIgnoresRangeOnFirstRead_FallsBackAndServesTailFromDisk()
    {
        _server.IgnoreRange = true;
        await using var source = new HttpRangeSource(_http, _url);
        var token = TestContext.Current.CancellationToken;
        var buffer = new byte[100];

        var read = await source.ReadAsync(10, buffer, token);
        var tail = await source.ReadTailAsync(new byte[50], token);

        Assert.Equal(100, read);
        Assert.Equal(Package.AsSpan(10, 100).ToArray(), buffer);
        Assert.Equal(new TailRead(Package.Length, 50), tail);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Dispose_AfterFallback_DeletesTemporaryFile()
    {
        _server.IgnoreRange = true;
        var before = GuardTempFiles();
        var source = new HttpRangeSource(_http, _url);
        await source.ReadTailAsync(new byte[10], TestContext.Current.CancellationToken);
        var created = GuardTempFiles().Except(before).ToList();
        Assert.NotEmpty(created);

        await source.DisposeAsync();

        Assert.All(created, path => Assert.False(File.Exists(path)));
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "access denied (the presigned URL may have expired)", false)]
    [InlineData(HttpStatusCode.NotFound, "not found", false)]
    [InlineData(HttpStatusCode.InternalServerError, "server error (HTTP 500)", true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "server error (HTTP 503)", true)]
    [InlineData(HttpStatusCode.TooManyRequests, "throttled (HTTP 429)", true)]
    [InlineData(HttpStatusCode.BadRequest, "HTTP 400 Bad Request", false)]
    public async Task ReadTail_WhenServerFails_ThrowsOneLineWithTransience(HttpStatusCode status, string expected, bool transient)
    {
        _server.FailWith = status;
        await using var source = new HttpRangeSource(_http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.Equal($"{source.DisplayName}: {expected}", e.Message);
        Assert.Equal(transient, e.IsTransient);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Read_WhenServerFails_ThrowsSameMapping()
    {
        await using var source = new HttpRangeSource(_http, _url);
        _server.FailWith = HttpStatusCode.Forbidden;

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadAsync(0, new byte[16], TestContext.Current.CancellationToken));

        Assert.EndsWith(": access denied (the presigned URL may have expired)", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task ReadTail_WhenNothingListens_ThrowsTransientWithoutQuery()
    {
        var port = _server.BaseAddress.Port;
        await _server.DisposeAsync();
        _server = LocalHttpServer.Start();
        await using var source = new HttpRangeSource(_http, new Uri($"http://127.0.0.1:{port}/fn.zip{Presigned}"));

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.True(e.IsTransient);
        Assert.StartsWith($"http://127.0.0.1:{port}/fn.zip: ", e.Message);
        Assert.DoesNotContain("X-Amz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTail_WhenClientTimesOut_ThrowsTransientTimedOut()
    {
        _server.ResponseDelay = TimeSpan.FromSeconds(5);
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        await using var source = new HttpRangeSource(impatient, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.True(e.IsTransient);
        Assert.Equal($"{source.DisplayName}: timed out", e.Message);
    }

    [Fact]
    public async Task ReadTail_WhenConnectionDropsMidBody_ThrowsTransient()
    {
        _server.TruncateBodiesTo = 100;
        await using var source = new HttpRangeSource(_http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[4096], TestContext.Current.CancellationToken));

        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Read_WhenObjectChangesAfterTail_ThrowsTransientChanged()
    {
        await using var source = new HttpRangeSource(_http, _url);
        var token = TestContext.Current.CancellationToken;
        await source.ReadTailAsync(new byte[16], token);
        var changed = (byte[])Package.Clone();
        changed[0] ^= 0xFF;
        _server.Serve(_url.AbsolutePath, changed);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadAsync(0, new byte[16], token));

        Assert.True(e.IsTransient);
        Assert.Contains("changed while it was being read", e.Message, StringComparison.Ordinal);
        Assert.NotNull(_server.Requests[1].IfMatch);
    }

    [Fact]
    public void DisplayName_WhenUrlIsPresigned_HasNoQueryString()
    {
        var source = new HttpRangeSource(_http, new Uri("https://user:pw@awslambda-us-west-2-tasks.s3.us-west-2.amazonaws.com/snapshots/123456789012/my-function-abc" + Presigned + "#frag"));

        Assert.Equal("https://awslambda-us-west-2-tasks.s3.us-west-2.amazonaws.com/snapshots/123456789012/my-function-abc", source.DisplayName);
        Assert.DoesNotContain("X-Amz-Signature", source.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", source.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_WhenUrlIsPresigned_NeverCarryTheSignature()
    {
        _server.FailWith = HttpStatusCode.Forbidden;
        await using var source = new HttpRangeSource(_http, _url);

        var e = await Assert.ThrowsAsync<PackageUnavailableException>(
            async () => await source.ReadTailAsync(new byte[16], TestContext.Current.CancellationToken));

        Assert.DoesNotContain("X-Amz-Signature", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETTOKEN", e.ToString(), StringComparison.Ordinal);
        // The signed query still went to the server.
        Assert.Contains("X-Amz-Signature=deadbeefcafe", Assert.Single(_server.Requests).PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WhenUrlIsNotHttp_Throws()
    {
        Assert.Throws<ArgumentException>(() => new HttpRangeSource(_http, new Uri("ftp://example.com/fn.zip")));
    }

    private static HashSet<string> GuardTempFiles() =>
        [.. Directory.EnumerateFiles(Path.GetTempPath(), "guard-*.zip")];

    private static byte[] MakeBytes(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
