using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Guard.Aws;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary><c>guard check PACKAGE</c>: one package, one verdict, one exit code.</summary>
internal static class CheckCommand
{
    /// <summary>Long enough for a 250 MB package from a server that ignores Range; short enough to end a stuck CI job.</summary>
    public const int DefaultTimeoutSeconds = 300;

    private static string ToolVersion => typeof(CheckCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var package = new Argument<string>("PACKAGE")
        {
            Description = "The zip to check: a local path, s3://bucket/key[?versionId=…], or an http(s):// URL (e.g. a presigned one).",
        };
        var runtime = new Option<string>("--runtime")
        {
            Description = "The function's runtime.",
            DefaultValueFactory = _ => "provided.al2023",
        };
        runtime.AcceptOnlyFromAmong([.. RuntimeCatalog.Default.Names]);
        var architecture = new Option<string>("--architecture", "--arch")
        {
            Description = "The function's architecture: x86_64 or arm64 (amd64 and aarch64 are accepted too).",
            DefaultValueFactory = _ => ArchitectureNames.X8664,
        };
        architecture.Validators.Add(result =>
        {
            if (!ArchitectureNames.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError($"--architecture must be x86_64 or arm64, not '{result.GetValueOrDefault<string>()}'");
            }
        });
        var layers = new Option<string[]>("--layer")
        {
            Description = "A layer's zip (same forms as PACKAGE), searched for /opt/bootstrap; repeat in the function's layer order.",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format")
        {
            Description = "text for people, json for machines (the report of design.md), sarif for GitHub code scanning.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
        var handler = new Option<string?>("--handler")
        {
            Description = "The function's Handler: the executable on go1.x; on custom runtimes it only sharpens hints (the old go1.x binary's name).",
        };
        var placeholders = new Option<string[]>("--placeholder-sha256")
        {
            Description = "Base64 SHA-256 (Lambda's CodeSha256 form) of a package to treat as a placeholder; repeat or comma-separate.",
        };
        var outputFile = new Option<FileInfo?>("--output", "-o")
        {
            Description = "Write the report to this file instead of standard output (the exit code is unchanged).",
        };

        var timeout = new Option<int>("--timeout")
        {
            Description = "Give up (exit 2) when the package and layers are not read within this many seconds.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--timeout must be a positive number of seconds");
            }
        });

        var command = new Command("check", "Check one deployment package the way Lambda will start it. Exit 0 ok, 1 broken, 3 placeholder, 2 usage error or package unavailable.")
        {
            package, runtime, architecture, layers, format, handler, placeholders, outputFile, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new CheckOptions(
                parse.GetValue(package)!,
                parse.GetValue(runtime)!,
                ArchitectureNames.TryParse(parse.GetValue(architecture), out var arch) ? arch : Architecture.X8664,
                parse.GetValue(layers) ?? [],
                parse.GetValue(format)!,
                parse.GetValue(handler),
                (parse.GetValue(placeholders) ?? []).SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
                parse.GetValue(outputFile),
                TimeSpan.FromSeconds(parse.GetValue(timeout)));
            return await RunAsync(options, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CheckOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // Before any read: a report that cannot be written makes the whole check pointless.
        if (OutputProblem(options.OutputFile) is { } problem)
        {
            await error.WriteLineAsync($"guard: --output {options.OutputFile!.FullName}: {problem}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        Report report;
        try
        {
            report = await InspectAsync(options, deadline.Token).ConfigureAwait(false);
        }
        catch (PackageUnavailableException e)
        {
            return await FailAsync(options, e.Message, output, error).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return await FailAsync(options, e.Message, output, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return await FailAsync(options, $"{Shown(options.Package)}: not read within {seconds} s (--timeout {seconds}); check the server, or raise --timeout", output, error).ConfigureAwait(false);
        }

        var rendered = options.Format switch
        {
            "json" => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report) + Environment.NewLine,
            "sarif" => SarifReportWriter.Write([report], ToolVersion) + Environment.NewLine,
            _ => TextReportWriter.Write(report),
        };
        if (!await WriteReportAsync(options, rendered, output, error).ConfigureAwait(false))
        {
            return ExitCodes.UsageOrUnavailable;
        }

        return report.Verdict switch
        {
            Verdict.Broken => ExitCodes.Broken,
            Verdict.Placeholder => ExitCodes.Placeholder,
            _ => ExitCodes.Ok,
        };
    }

    private static async Task<Report> InspectAsync(CheckOptions options, CancellationToken cancellationToken)
    {
        var opened = new List<IRangeSource>();
        using var sources = PackageSources.Create();
        try
        {
            var package = sources.Open(options.Package);
            opened.Add(package);
            var layers = new List<IRangeSource>();
            foreach (var layer in options.Layers)
            {
                var source = sources.Open(layer);
                opened.Add(source);
                layers.Add(source);
            }

            var request = new InspectionRequest(
                package,
                options.Runtime,
                options.Architecture,
                layers,
                options.Handler,
                options.PlaceholderSha256.Count > 0 ? await LocalSha256Async(options.Package, cancellationToken).ConfigureAwait(false) : null,
                options.PlaceholderSha256);
            return await new PackageInspector().InspectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in opened)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A check that could not run: one line on standard error, exit 2, and for SARIF a log that records the
    /// failed run, so an upload step that runs <c>if: always()</c> has a valid file to upload.
    /// </summary>
    private static async Task<int> FailAsync(CheckOptions options, string reason, TextWriter output, TextWriter error)
    {
        await error.WriteLineAsync($"guard: {reason}").ConfigureAwait(false);
        if (options.Format == "sarif")
        {
            await WriteReportAsync(options, SarifReportWriter.WriteFailure(Shown(options.Package), reason, ToolVersion) + Environment.NewLine, output, error).ConfigureAwait(false);
        }

        return ExitCodes.UsageOrUnavailable;
    }

    private static async Task<bool> WriteReportAsync(CheckOptions options, string rendered, TextWriter output, TextWriter error)
    {
        if (options.OutputFile is not { } file)
        {
            await output.WriteAsync(rendered).ConfigureAwait(false);
            return true;
        }

        try
        {
            // Not cancellable: a report half written because the deadline fired would be worse than none.
            await File.WriteAllTextAsync(file.FullName, rendered, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"guard: --output {file.FullName}: cannot write the report: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Why <paramref name="file"/> cannot receive the report, or null when it can (as far as can be told before writing).</summary>
    private static string? OutputProblem(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        if (Directory.Exists(file.FullName))
        {
            return "is a directory; give a file name, e.g. --output guard.sarif";
        }

        return file.Directory is { Exists: false } parent ? $"the folder {parent.FullName} does not exist" : null;
    }

    /// <summary>PACKAGE as it may be shown: a URL without its query (a presigned signature), a path as written.</summary>
    private static string Shown(string package) =>
        PackageLocation.TryParse(package, out var location, out _) ? location.DisplayName : package.Split('?')[0];

    /// <summary>Placeholders listed by digest can be matched only when the package's digest is at hand: local files.</summary>
    private static async Task<string?> LocalSha256Async(string package, CancellationToken cancellationToken)
    {
        if (package.Contains("://", StringComparison.Ordinal) || !File.Exists(package))
        {
            return null;
        }

        await using var stream = File.OpenRead(package);
        return Convert.ToBase64String(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}

internal sealed record CheckOptions(
    string Package,
    string Runtime,
    Architecture Architecture,
    IReadOnlyList<string> Layers,
    string Format,
    string? Handler,
    IReadOnlySet<string> PlaceholderSha256,
    FileInfo? OutputFile,
    TimeSpan Timeout);
