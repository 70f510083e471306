using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary><c>guard check PACKAGE</c>: one package, one verdict, one exit code.</summary>
internal static class CheckCommand
{
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

        var command = new Command("check", "Check one deployment package the way Lambda will start it. Exit 0 ok, 1 broken, 3 placeholder, 2 usage error or package unavailable.")
        {
            package, runtime, architecture, layers, format, handler, placeholders, outputFile,
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
                parse.GetValue(outputFile));
            return await RunAsync(options, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CheckOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
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
            var report = await new PackageInspector().InspectAsync(request, cancellationToken).ConfigureAwait(false);
            var rendered = options.Format switch
            {
                "json" => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report) + Environment.NewLine,
                "sarif" => SarifReportWriter.Write([report], typeof(CheckCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0") + Environment.NewLine,
                _ => TextReportWriter.Write(report),
            };
            if (options.OutputFile is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, rendered, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await output.WriteAsync(rendered).ConfigureAwait(false);
            }

            return report.Verdict switch
            {
                Verdict.Broken => ExitCodes.Broken,
                Verdict.Placeholder => ExitCodes.Placeholder,
                _ => ExitCodes.Ok,
            };
        }
        catch (PackageUnavailableException e)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }
        finally
        {
            foreach (var source in opened)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

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
    FileInfo? OutputFile);
