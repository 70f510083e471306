using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;

namespace Guard.Cli.Images;

/// <summary>
/// The Docker client's credentials, found as Docker finds them (docker/cli's <c>configfile</c>): a registry named in
/// <c>credHelpers</c> asks that helper, else <c>credsStore</c> names the helper for every registry, else
/// <c>auths.REGISTRY.auth</c> holds the credential <c>docker login</c> wrote. A helper is the program
/// <c>docker-credential-NAME</c> on PATH, run as <c>get</c> with the server's address on stdin; it answers
/// <c>{"ServerURL","Username","Secret"}</c> on stdout (docker-credential-helpers' protocol).
/// </summary>
/// <param name="Folder">The config's folder: <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c>.</param>
/// <param name="SearchPath">Where helpers are looked for: <c>$PATH</c>.</param>
internal sealed partial record DockerConfig(string Folder, string SearchPath)
{
    /// <summary>A helper's answer is a few hundred bytes; one that writes without end is stopped here.</summary>
    public const int MaxHelperOutputBytes = 64 * 1024;

    /// <summary>What docker-credential-helpers print (exit 1) for a server they hold nothing for: anonymous, as Docker reads it.</summary>
    private const string NotFound = "credentials not found in native keychain";

    /// <summary>The username a helper gives with an identity token (an OAuth refresh token) as the secret.</summary>
    private const string IdentityTokenUser = "<token>";

    private const string DockerHubServer = "https://index.docker.io/v1/";

    public static DockerConfig FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } folder ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"),
        Environment.GetEnvironmentVariable("PATH") ?? string.Empty);

    /// <summary>The credential for <paramref name="registry"/>, or null to go anonymous.</summary>
    /// <param name="cancellationToken">Bounds a helper's run (the check's <c>--timeout</c>).</param>
    /// <exception cref="PackageUnavailableException">A helper is missing, fails, is too slow or answers nonsense: one line naming it, never the secret.</exception>
    public async Task<RegistryCredential?> CredentialForAsync(string registry, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, "config.json");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string[] keys = registry == "docker.io" ? [DockerHubServer, "docker.io", "index.docker.io"] : [registry, "https://" + registry, "http://" + registry];
            var server = registry == "docker.io" ? DockerHubServer : registry;
            if (Entries(root, "credHelpers", keys).FirstOrDefault() is { ValueKind: JsonValueKind.String } helper)
            {
                return await RunHelperAsync(helper.GetString()!, $"credHelpers[\"{registry}\"]", server, cancellationToken).ConfigureAwait(false);
            }

            if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString() is { Length: > 0 } storeName)
            {
                return await RunHelperAsync(storeName, "credsStore", server, cancellationToken).ConfigureAwait(false);
            }

            foreach (var entry in Entries(root, "auths", keys))
            {
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String &&
                    TryDecode(auth.GetString()!) is { } pair && pair.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon)
                {
                    return new RegistryCredential(pair[..colon], pair[(colon + 1)..]);
                }
            }

            return null;
        }
    }

    /// <summary>The values under <paramref name="section"/> whose key names the registry (with or without a scheme or a trailing slash).</summary>
    private static IEnumerable<JsonElement> Entries(JsonElement root, string section, string[] keys) =>
        root.TryGetProperty(section, out var entries) && entries.ValueKind == JsonValueKind.Object
            ? entries.EnumerateObject().Where(e => keys.Contains(e.Name, StringComparer.Ordinal) || keys.Contains(e.Name.TrimEnd('/'), StringComparer.Ordinal)).Select(e => e.Value)
            : [];

    private static string? TryDecode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task<RegistryCredential?> RunHelperAsync(string name, string setting, string server, CancellationToken cancellationToken)
    {
        var program = "docker-credential-" + name;
        var where = $"{program} (the Docker config's {setting} in {Path.Combine(Folder, "config.json")})";
        if (!HelperName().IsMatch(name))
        {
            throw new PackageUnavailableException($"{where}: not a helper name Docker would run");
        }

        var executable = Find(program) ?? throw new PackageUnavailableException($"{where} is not on PATH: install it, or remove it from the config to read the registry anonymously");
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "get" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new PackageUnavailableException($"{where} could not be started: {e.Message}", e);
        }

        using (process)
        {
            // Killing the helper closes its pipes, which ends the reads below whatever the pipe streams do with a token.
            await using var kill = cancellationToken.Register(() => Kill(process)).ConfigureAwait(false);
            byte[]? output;
            byte[]? errors;
            int exitCode;
            try
            {
                var stdout = BoundedBody.ReadAsync(process.StandardOutput.BaseStream, MaxHelperOutputBytes, null, CancellationToken.None);
                var stderr = BoundedBody.ReadAsync(process.StandardError.BaseStream, MaxHelperOutputBytes, null, CancellationToken.None);
                try
                {
                    await process.StandardInput.WriteAsync(server.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The helper exited without reading its input: its exit code and output say why.
                }

                output = await stdout.ConfigureAwait(false);
                if (output is null)
                {
                    Kill(process);
                }

                errors = await stderr.ConfigureAwait(false);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                exitCode = process.ExitCode;
            }
            finally
            {
                Kill(process);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw new PackageUnavailableException($"{where} did not answer in time (--timeout)");
            }

            if (output is null)
            {
                throw new PackageUnavailableException($"{where} wrote more than {MaxHelperOutputBytes / 1024} KiB; a credential is a few hundred bytes");
            }

            var text = Encoding.UTF8.GetString(output).Trim();
            if (exitCode != 0)
            {
                // docker-credential-helpers print their error on stdout; others may use stderr.
                var said = FirstLine(text) is { Length: > 0 } line ? line : FirstLine(Encoding.UTF8.GetString(errors ?? []));
                return text == NotFound ? null
                    : throw new PackageUnavailableException($"{where} failed (exit {exitCode}){(said.Length > 0 ? ": " + said : string.Empty)}");
            }

            return Parse(text, where, server);
        }
    }

    private static RegistryCredential Parse(string text, string where, string server)
    {
        string? user = null;
        string? secret = null;
        try
        {
            using var answer = JsonDocument.Parse(text);
            if (answer.RootElement.ValueKind == JsonValueKind.Object)
            {
                user = answer.RootElement.TryGetProperty("Username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                secret = answer.RootElement.TryGetProperty("Secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Said below, without the text: it may hold the secret.
        }

        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(secret))
        {
            throw new PackageUnavailableException($"{where} answered for {server} without the JSON Username and Secret of the credential-helper protocol");
        }

        // Docker sends an identity token as a refresh token in an OAuth2 POST to the token service; Guard's token
        // fetch is the GET with Basic auth, so it would be refused, and the registry's 401 would not say why.
        return user == IdentityTokenUser
            ? throw new PackageUnavailableException($"{where} answered for {server} with an identity token, which Guard does not use: log in with a user name and password or an access token (docker login) instead")
            : new RegistryCredential(user, secret);
    }

    /// <summary>The first line of a failed helper's message, cut short: it is shown as the helper's own words.</summary>
    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    private string? Find(string program) =>
        SearchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Gone already.
        }
    }

    // Docker runs "docker-credential-" + the configured name; a name with a path separator would run another program.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex HelperName();
}
