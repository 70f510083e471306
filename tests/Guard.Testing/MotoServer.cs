using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Guard.Aws.Http;

namespace Guard.Testing;

/// <summary>
/// A real <c>moto_server</c> (the AWS emulator from <c>pip install 'moto[server]'</c>) on 127.0.0.1 and a free port,
/// started for a test run and killed, with its whole process tree, on dispose.
/// </summary>
/// <example>
/// <code>
/// await using var moto = await MotoServer.StartAsync();
/// var env = AwsEnvironment.From(moto.EnvironmentVariables);
/// </code>
/// </example>
public sealed class MotoServer : IAsyncDisposable
{
    /// <summary>Region tests should use: moto accepts any, and us-east-1 needs no bucket location constraint.</summary>
    public const string Region = "us-east-1";

    /// <summary>Moto accepts any credentials; these are the conventional ones.</summary>
    public const string AccessKeyId = "test";

    /// <inheritdoc cref="AccessKeyId"/>
    public const string SecretAccessKey = "test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const int MaxOutputLines = 50;

    private readonly Process _process;
    private readonly Queue<string> _output;

    /// <summary>
    /// Starts a server and blocks until it answers, for test frameworks that build fixtures through a parameterless
    /// constructor (xunit's <c>IClassFixture&lt;MotoServer&gt;</c> / <c>AssemblyFixture</c>; xunit disposes it through
    /// <see cref="IAsyncDisposable"/>). Elsewhere prefer <see cref="StartAsync"/>.
    /// </summary>
    public MotoServer()
        : this(Task.Run(() => LaunchAsync(CancellationToken.None)).GetAwaiter().GetResult())
    {
    }

    private MotoServer(Started started)
    {
        _process = started.Process;
        _output = started.Output;
        Endpoint = started.Endpoint;
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:53127/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Guard's credentials for this server: <see cref="AccessKeyId"/>/<see cref="SecretAccessKey"/>.</summary>
    public static AwsCredentials Credentials { get; } = new(AccessKeyId, SecretAccessKey);

    /// <summary>The same keys for an AWS SDK client, the tests' independent witness.</summary>
    public static BasicAWSCredentials ForSdk(AwsCredentials credentials) => new(credentials.AccessKeyId, credentials.SecretAccessKey);

    /// <summary>
    /// AWSSDK.S3 pointed at this server (path-style): the tests' independent witness, to arrange objects and to read
    /// back what Guard's own S3 client wrote. The caller disposes it.
    /// </summary>
    /// <param name="credentials">Any (moto checks none); defaults to <see cref="AccessKeyId"/>/<see cref="SecretAccessKey"/>.</param>
    /// <param name="maxErrorRetry">The SDK's retries; 0 makes a refused call fail at once.</param>
    public AmazonS3Client S3Witness(AwsCredentials? credentials = null, int? maxErrorRetry = null)
    {
        var config = new AmazonS3Config { ServiceURL = Endpoint.AbsoluteUri, ForcePathStyle = true, AuthenticationRegion = Region };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }

        return new AmazonS3Client(ForSdk(credentials ?? Credentials), config);
    }

    /// <summary>
    /// Variables that point an AWS SDK (or Guard's <c>AwsEnvironment.From</c>) at this server: <c>AWS_ENDPOINT_URL</c>,
    /// region and dummy credentials. Give them to a child process or an environment lookup, not to the test
    /// process itself, so parallel tests stay independent.
    /// </summary>
    public IReadOnlyDictionary<string, string?> EnvironmentVariables => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL"] = Endpoint.AbsoluteUri.TrimEnd('/'),
        ["AWS_REGION"] = Region,
        ["AWS_DEFAULT_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
    };

    /// <summary>The last lines moto wrote (its request log and errors), for assertion messages.</summary>
    public string RecentOutput => Recent(_output);

    /// <summary>
    /// Starts <c>moto_server</c> (from PATH, else <c>~/.pyenv/shims</c>) and waits until it answers HTTP.
    /// </summary>
    /// <exception cref="InvalidOperationException">moto_server is not installed, or did not start.</exception>
    public static async Task<MotoServer> StartAsync(CancellationToken cancellationToken = default) =>
        new(await LaunchAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Forgets every resource (buckets, functions, topics) through moto's reset API.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Endpoint, "moto-api/reset"), content: null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync() => await StopAsync(_process).ConfigureAwait(false);

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // moto_server is often a pyenv shim (a shell) in front of python: kill the tree, not just the shell.
                process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (OperationCanceledException)
        {
            // Did not die in time; nothing more a test can do.
        }
        finally
        {
            process.Dispose();
        }
    }

    private sealed record Started(Process Process, Queue<string> Output, Uri Endpoint);

    private static async Task<Started> LaunchAsync(CancellationToken cancellationToken)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("moto_server not found: pip install 'moto[server]'");

        // The free port is found by binding port 0 and releasing it: another process may take it before moto does,
        // so a start that dies early is retried on a new port.
        Exception? lastFailure = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreeTcpPort();
            var output = new Queue<string>();
            var started = new Started(Launch(executable, port, output), output, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
            try
            {
                await WaitUntilReadyAsync(started, cancellationToken).ConfigureAwait(false);
                return started;
            }
            catch (InvalidOperationException e)
            {
                lastFailure = e;
                await StopAsync(started.Process).ConfigureAwait(false);
            }
            catch
            {
                await StopAsync(started.Process).ConfigureAwait(false);
                throw;
            }
        }

        throw new InvalidOperationException($"moto_server did not start: {lastFailure?.Message}", lastFailure);
    }

    private static string Recent(Queue<string> output)
    {
        lock (output)
        {
            return string.Join(Environment.NewLine, output);
        }
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "moto_server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var shim = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv", "shims", "moto_server");
        return File.Exists(shim) ? shim : null;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Launch(string executable, int port, Queue<string> output)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-H");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        // Both pipes must be drained or moto blocks once a pipe buffer fills with its request log.
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Enqueue(e.Data);
                if (output.Count > MaxOutputLines)
                {
                    output.Dequeue();
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilReadyAsync(Started started, CancellationToken cancellationToken)
    {
        var (process, output, endpoint) = started;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {process.ExitCode}: {Recent(output)}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "moto-api/data.json"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Listening but slow to answer while it imports its backends.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"moto_server did not answer on {endpoint} within {StartTimeout.TotalSeconds:0} s: {Recent(output)}");
    }
}
