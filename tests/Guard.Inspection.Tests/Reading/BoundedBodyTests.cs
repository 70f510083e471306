using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Reading;

public sealed class BoundedBodyTests
{
    private const int Cap = 1024 * 1024;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_WhenAStreamWithoutALengthRunsPastTheCap_StopsJustAfterIt()
    {
        var endless = new EndlessStream();

        var bytes = await BoundedBody.ReadAsync(endless, Cap, expectedBytes: null, Cancel);

        Assert.Null(bytes);
        Assert.InRange(endless.Served, Cap, Cap + (128 * 1024));
    }

    [Fact]
    public async Task ReadAsync_WhenTheBodyIsExactlyTheCap_ReturnsItWhole()
    {
        var body = new byte[Cap];
        Random.Shared.NextBytes(body);

        var bytes = await BoundedBody.ReadAsync(new MemoryStream(body), Cap, expectedBytes: null, Cancel);

        Assert.Equal(body, bytes);
    }

    [Fact]
    public async Task ReadAsync_WhenTheDeclaredLengthIsOverTheCap_RefusesBeforeReading()
    {
        var endless = new EndlessStream();
        using var content = new StreamContent(endless);
        content.Headers.ContentLength = Cap + 1L;

        var bytes = await BoundedBody.ReadAsync(content, Cap, Cancel);

        Assert.Null(bytes);
        Assert.Equal(0, endless.Served);
    }

    [Fact]
    public async Task ReadAsync_WhenAChunkedAnswerIsSmall_ReturnsIt()
    {
        await using var server = LoopbackChunked("{\"token\":\"t\"}"u8.ToArray());
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.BaseAddress, HttpCompletionOption.ResponseHeadersRead, Cancel);

        var bytes = await BoundedBody.ReadAsync(response.Content, Cap, Cancel);

        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal("{\"token\":\"t\"}"u8.ToArray(), bytes);
    }

    private static LoopbackHttpListener LoopbackChunked(byte[] body) => LoopbackHttpListener.Start(async context =>
    {
        context.Response.SendChunked = true;
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    });

    /// <summary>Zeros for ever, counting what was read.</summary>
    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            Served += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
