using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Guard.Testing;

/// <summary>One file to put in an image built by <see cref="Umoci"/>.</summary>
public sealed record ImageFile(string ImagePath, byte[] Bytes, int Mode = 0b111_101_101);

/// <summary>
/// Images made by a real tool, without a daemon or network: Debian's <c>umoci</c> writes an OCI image layout, one layer
/// per <c>insert</c>, with the config set by <c>umoci config</c>. A missing umoci throws with its apt package.
/// </summary>
public static class Umoci
{
    /// <summary>Writes a layout at <paramref name="layout"/> tagged <c>latest</c>: one layer per file, then a whiteout layer per path in <paramref name="whiteouts"/>.</summary>
    public static async Task<string> BuildAsync(
        string layout,
        string architecture,
        IReadOnlyList<string> entrypoint,
        IReadOnlyList<ImageFile> files,
        IReadOnlyList<string>? whiteouts = null,
        CancellationToken cancellationToken = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("umoci runs on Linux");
        }

        var staging = Directory.CreateTempSubdirectory("guard-umoci-").FullName;
        try
        {
            var image = layout + ":latest";
            await CCompiler.RunAsync("umoci", ["init", "--layout", layout], cancellationToken);
            await CCompiler.RunAsync("umoci", ["new", "--image", image], cancellationToken);
            foreach (var (file, index) in files.Select((f, i) => (f, i)))
            {
                var local = Path.Combine(staging, index.ToString(CultureInfo.InvariantCulture));
                await File.WriteAllBytesAsync(local, file.Bytes, cancellationToken);
                File.SetUnixFileMode(local, (UnixFileMode)file.Mode);
                await CCompiler.RunAsync("umoci", ["insert", "--image", image, local, file.ImagePath], cancellationToken);
            }

            foreach (var path in whiteouts ?? [])
            {
                await CCompiler.RunAsync("umoci", ["insert", "--image", image, "--whiteout", path], cancellationToken);
            }

            List<string> config = ["config", "--image", image, "--architecture", architecture, "--os", "linux"];
            config.AddRange(entrypoint.Select(word => "--config.entrypoint=" + word));
            await CCompiler.RunAsync("umoci", config, cancellationToken);
            return layout;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}

/// <summary>
/// A real registry on a free 127.0.0.1 port: Debian's <c>docker-registry</c> (distribution 2.8) on a temporary folder,
/// filled with <c>skopeo copy oci:DIR docker://…</c>. Disposing stops the process and deletes its storage.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private LocalRegistry(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Host = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host { get; }

    public static async Task<LocalRegistry> StartAsync(CancellationToken cancellationToken = default)
    {
        var program = "/usr/bin/docker-registry";
        if (!File.Exists(program))
        {
            throw new InvalidOperationException("docker-registry is not installed; install it with: apt-get install -y docker-registry (build/test.sh installs it)");
        }

        var folder = Directory.CreateTempSubdirectory("guard-registry-").FullName;
        using (var probe = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var config = Path.Combine(folder, "config.yml");
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: {folder}/storage
                http:
                  addr: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
                """, cancellationToken);
            var process = Process.Start(new ProcessStartInfo(program, ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var registry = new LocalRegistry(process, folder, port);
            using var http = new HttpClient();
            for (var attempt = 0; attempt < 100; attempt++)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://{registry.Host}/v2/"), cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        return registry;
                    }
                }
                catch (HttpRequestException)
                {
                }

                if (process.HasExited)
                {
                    break;
                }

                await Task.Delay(50, cancellationToken);
            }

            await registry.DisposeAsync();
            throw new InvalidOperationException($"docker-registry did not start on {registry.Host}");
        }
    }

    /// <summary>Pushes the layout's <c>latest</c> to <c>HOST/REPOSITORY:TAG</c> with skopeo; returns that reference.</summary>
    public async Task<string> PushAsync(string layout, string repository, string tag, CancellationToken cancellationToken = default)
    {
        var reference = $"{Host}/{repository}:{tag}";
        await CCompiler.RunAsync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:latest", $"docker://{reference}"], cancellationToken);
        return reference;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
