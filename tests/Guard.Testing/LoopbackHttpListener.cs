using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Guard.Testing;

/// <summary>
/// An <see cref="HttpListener"/> on a free 127.0.0.1 port that hands every request to one handler, each on its
/// own task: the plumbing the tests' HTTP stand-ins (presigned URLs, the Runtime API, the ResponseURL) share.
/// </summary>
public sealed class LoopbackHttpListener : IAsyncDisposable
{
    /// <summary>How long disposal waits for the accept loop to see the listener closed.</summary>
    private static readonly TimeSpan LoopStopTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _handle;
    private readonly Task _loop;

    private LoopbackHttpListener(HttpListener listener, int port, Func<HttpListenerContext, Task> handle)
    {
        _listener = listener;
        _handle = handle;
        Port = port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string HostAndPort => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => new($"http://{HostAndPort}/");

    public static LoopbackHttpListener Start(Func<HttpListenerContext, Task> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);

        // HttpListener cannot bind port 0: find a free port, then retry if another process wins the race.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeTcpPort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            try
            {
                listener.Start();
                return new LoopbackHttpListener(listener, port, handle);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone, not Stop then Close: on Linux the managed listener's Stop releases the port, and the Close after
        // it removes the prefixes again by re-binding that port, which fails with "Address already in use" when a
        // test running in parallel has taken the freed port meanwhile (seen in CI as random HttpRangeSourceTests failures).
        _listener.Close();
        try
        {
            // Bounded: a GetContextAsync that the accept loop begins just as Close runs can be left pending forever by
            // the managed listener (seen once in CI as a 10-minute hang in a test's Dispose). The loop holds nothing
            // once the listener is closed, so it is let go rather than awaited without end.
            await _loop.WaitAsync(LoopStopTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or TimeoutException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => _handle(context));
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
