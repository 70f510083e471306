using System.CommandLine;
using Guard.Cli.Apps;
using Guard.Cli.Apps.Reporting;
using Guard.Cli.Apps.Templates;
using Guard.Cli.Images;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <summary>
/// <c>guard check PACKAGE...</c>: each package (a zip, a folder as it would be zipped, s3://, a URL) its own verdict,
/// one exit code for all of them.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Long enough for a 250 MB package from a server that ignores Range; short enough to end a stuck CI job.</summary>
    public const int DefaultTimeoutSeconds = 300;

    private static string ToolVersion => typeof(CheckCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var packages = new Argument<string[]>("PACKAGE")
        {
            Description = "What to check, one or more: a zip (local path, s3://bucket/key[?versionId=…], an http(s):// URL such as a presigned one), " +
                "a local folder, judged as the zip it would become, a SAM/CloudFormation template (.yaml, .yml, .json), every function in it, " +
                "or an app folder: cdk.out/ (every stack, each function from its asset) or .serverless/ (each function from its zip). Each gets its own verdict.",
            // Zero here, checked in the action: --parameter-overrides takes every token after it, and a PACKAGE
            // written after the overrides (no '=') is given back to PACKAGE there.
            Arity = ArgumentArity.ZeroOrMore,
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
            Description = "A layer's zip or folder (same forms as PACKAGE) or a layer-version ARN (read with GetLayerVersionByArn), searched for /opt/bootstrap; repeat in the function's layer order.",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format")
        {
            Description = "text for people, json for machines (the report in docs/design.md; schema version 2 for several packages: docs/cli.md), sarif for GitHub code scanning.",
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
            Description = "Give up on a package (exit 2 for it) when it and its layers are not read within this many seconds; a template or an app folder's manifest likewise.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError("--timeout must be a positive number of seconds");
            }
        });

        var parameterOverrides = new Option<string[]>("--parameter-overrides")
        {
            Description = "For templates: parameter values as sam deploy takes them (Key=Value, or ParameterKey=K,ParameterValue=V), several after one flag; they win over Default.",
            AllowMultipleArgumentsPerToken = true,
        };

        var failOn = new Option<string>("--fail-on")
        {
            Description = "Which findings fail the check (exit 1): error (the default; a package with only warnings exits 0) or warning.",
            DefaultValueFactory = _ => "error",
        };
        failOn.AcceptOnlyFromAmong("error", "warning");
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "A finding code to suppress everywhere (repeat, or comma-separate): still shown, marked suppressed, not counted. " +
                "One function of a template: Metadata: { guard: { ignore: [CODE] } } on its resource.",
        };
        ignore.Validators.Add(result =>
        {
            var known = FindingCodes.All.Select(c => c.Code).Concat(AppFindings.All.Select(c => c.Code)).ToHashSet(StringComparer.Ordinal);
            foreach (var code in SplitCodes(result.GetValueOrDefault<string[]>() ?? []).Where(c => !known.Contains(c)))
            {
                result.AddError($"--ignore {code}: not a finding code (see docs/findings.md, e.g. BOOTSTRAP_NOT_EXECUTABLE)");
            }
        });

        var command = new Command(
            "check",
            "Check deployment packages the way Lambda will start them. Exit 1 when any is broken, else 2 when any could not be checked, else 3 when any is a placeholder, else 0. Every finding and its fix: docs/findings.md.")
        {
            packages, runtime, architecture, layers, format, handler, placeholders, outputFile, timeout, parameterOverrides, failOn, ignore,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrideTokens = parse.GetValue(parameterOverrides) ?? [];
            string[] given = [.. parse.GetValue(packages) ?? [], .. overrideTokens.Where(t => !t.Contains('=', StringComparison.Ordinal))];
            if (given.Length == 0)
            {
                await error.WriteLineAsync("guard: PACKAGE is missing: give a zip, a folder or a template (guard check dist/function.zip)").ConfigureAwait(false);
                await error.WriteLineAsync("Run 'guard --help' for usage.").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            if (!TryParseOverrides(overrideTokens.Where(t => t.Contains('=', StringComparison.Ordinal)), out var overrides, out var overrideError))
            {
                await error.WriteLineAsync($"guard: --parameter-overrides: {overrideError}").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            // A template names each function's runtime, architecture, handler and layers: a flag that would be ignored is a mistake.
            var template = given.FirstOrDefault(IsApp);
            var perPackage = new Option[] { runtime, architecture, layers, handler }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            if (template is not null && perPackage is not null)
            {
                await error.WriteLineAsync($"guard: {perPackage.Name} applies to packages, not to {template}: the template sets it for each function").ConfigureAwait(false);
                return ExitCodes.UsageOrUnavailable;
            }

            var options = new CheckOptions(
                given,
                parse.GetValue(runtime)!,
                ArchitectureNames.TryParse(parse.GetValue(architecture), out var arch) ? arch : Architecture.X8664,
                parse.GetValue(layers) ?? [],
                parse.GetValue(format)!,
                parse.GetValue(handler),
                (parse.GetValue(placeholders) ?? []).SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
                parse.GetValue(outputFile),
                TimeSpan.FromSeconds(parse.GetValue(timeout)),
                overrides,
                parse.GetValue(failOn) == "warning" ? FailOn.Warning : FailOn.Error,
                SplitCodes(parse.GetValue(ignore) ?? []).ToHashSet(StringComparer.Ordinal));
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

        using var sources = PackageSources.Create();
        using var layerLocator = new LambdaLayerLocator();
        var check = new ArgumentCheck(new PackageArguments(sources), layerLocator, options.PlaceholderSha256, options.Timeout);
        var results = new List<CheckResult>();
        var isApp = false;
        var ignored = options.Ignore.ToDictionary(code => code, _ => "--ignore", StringComparer.Ordinal);
        foreach (var package in options.Packages)
        {
            if (TemplateFile.LooksLikeTemplate(package))
            {
                isApp = true;
                results.AddRange(await CheckAppAsync(package, AppLayout.Template, options, check, error, cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (AppFolder.IsAppFolder(package))
            {
                isApp = true;
                results.AddRange(await CheckAppFolderAsync(package, options, check, error, cancellationToken).ConfigureAwait(false));
                continue;
            }

            var result = ImageCheck.IsImage(package)
                ? await ImageCheck.RunAsync(new ImageRequest(package, options.Architecture, Ignored: ignored), options.Timeout, cancellationToken).ConfigureAwait(false)
                : await check.RunAsync(new PackageRequest(package, options.Runtime, options.Architecture, [.. options.Layers.Select(LayerSource.Open)], options.Handler, Ignored: ignored), cancellationToken).ConfigureAwait(false);
            if (result.Outcome == Outcome.NotChecked)
            {
                // One line per package that could not be checked, as for a single one; the others are still judged.
                await error.WriteLineAsync($"guard: {result.Reason}").ConfigureAwait(false);
            }

            results.Add(result);
        }

        var failOn = options.FailOn;
        var exitCode = ExitCodePolicy.Worst(results.Select(r => ExitCodePolicy.ExitCodeOf(r, failOn)));
        // A template that could not be read is one failure like a package that could not be fetched: nothing on stdout.
        var single = results.Count == 1 && (!isApp || results[0].Function is null) ? results[0] : null;
        if (single is { Outcome: Outcome.NotChecked })
        {
            // Nothing was judged: stderr already says why; SARIF still records the failed run for upload steps.
            if (options.Format == "sarif")
            {
                await WriteReportAsync(options, SarifReportWriter.WriteFailure(single.Source, single.Reason!, ToolVersion) + Environment.NewLine, output, error).ConfigureAwait(false);
            }

            return ExitCodes.UsageOrUnavailable;
        }

        var rendered = options.Format switch
        {
            "json" when single is not null => ResultJsonWriter.WriteSingle(single),
            "json" => ResultJsonWriter.WriteApp(results, exitCode),
            "sarif" => ResultSarifWriter.Write(results, ToolVersion) + Environment.NewLine,
            _ => ResultTextWriter.Write(results, exitCode, failOn),
        };
        if (!await WriteReportAsync(options, rendered, output, error).ConfigureAwait(false))
        {
            return ExitCodes.UsageOrUnavailable;
        }

        return exitCode;
    }

    /// <summary>A template, or a folder that is an app (a CDK cloud assembly, a Serverless Framework package folder).</summary>
    private static bool IsApp(string argument) => TemplateFile.LooksLikeTemplate(argument) || AppFolder.IsAppFolder(argument);

    /// <summary>
    /// <c>cdk.out/</c>: every stack template its manifest lists; <c>.serverless/</c>: its update-stack template. A stack
    /// without functions is no problem in an assembly of several; an assembly without any is.
    /// </summary>
    private static async Task<List<CheckResult>> CheckAppFolderAsync(string folder, CheckOptions options, ArgumentCheck check, TextWriter error, CancellationToken cancellationToken)
    {
        IReadOnlyList<AppTemplate> templates;
        try
        {
            templates = await WithinTimeoutAsync(() => AppFolder.Templates(folder), folder, options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TemplateFormatException e)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return [CheckResult.NotChecked(folder, null, null, null, e.Message)];
        }

        var results = new List<CheckResult>();
        foreach (var template in templates)
        {
            results.AddRange(await CheckAppAsync(template.TemplateFile, template.Layout, options, check, error, cancellationToken, reportEmpty: false).ConfigureAwait(false));
        }

        if (results.Count == 0)
        {
            var reason = $"{folder}: no AWS::Lambda::Function resources in {string.Join(", ", templates.Select(t => t.TemplateFile))}";
            await error.WriteLineAsync($"guard: {reason}").ConfigureAwait(false);
            results.Add(CheckResult.NotChecked(folder, null, null, null, reason));
        }

        return results;
    }

    /// <summary>Every function of a template, each its own result; a template that cannot be read is one result that was not checked.</summary>
    private static async Task<List<CheckResult>> CheckAppAsync(
        string templateFile,
        AppLayout layout,
        CheckOptions options,
        ArgumentCheck check,
        TextWriter error,
        CancellationToken cancellationToken,
        bool reportEmpty = true)
    {
        List<FunctionPlan> plans;
        try
        {
            var root = await WithinTimeoutAsync(() => TemplateFile.Read(templateFile), templateFile, options.Timeout, cancellationToken).ConfigureAwait(false);
            // With several templates an override may be meant for another one; with one, an undeclared name is a typo.
            if (layout == AppLayout.Template && options.Packages.Count(IsApp) == 1 && AppPlanner.UnknownOverrides(root, options.ParameterOverrides).FirstOrDefault() is { } unknown)
            {
                throw new TemplateFormatException(templateFile, 1, 1, $"--parameter-overrides names {unknown}, which the template's Parameters do not declare");
            }

            plans = [.. new AppPlanner(templateFile, root, options.ParameterOverrides, options.Ignore, layout).Plan()];
        }
        catch (TemplateFormatException e)
        {
            await error.WriteLineAsync($"guard: {e.Message}").ConfigureAwait(false);
            return [CheckResult.NotChecked(templateFile, null, null, null, e.Message)];
        }

        // The functions' packages are judged a few at a time (each is a handful of small reads and some inflating),
        // and reported in the template's order whatever order they finish in.
        var judged = new CheckResult[plans.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, plans.Count),
            new ParallelOptions { MaxDegreeOfParallelism = PackagesAtOnce, CancellationToken = cancellationToken },
            async (index, token) => judged[index] = plans[index].Decided ?? await check.RunAsync(plans[index].Request!, token).ConfigureAwait(false)).ConfigureAwait(false);
        var results = judged.ToList();

        if (results.Count == 0 && reportEmpty)
        {
            await error.WriteLineAsync($"guard: {templateFile}: no AWS::Serverless::Function or AWS::Lambda::Function resources").ConfigureAwait(false);
            results.Add(CheckResult.NotChecked(templateFile, null, null, null, $"{templateFile}: no AWS::Serverless::Function or AWS::Lambda::Function resources"));
        }

        return results;
    }

    /// <summary>
    /// Reads a template or manifest on a thread of its own and gives up at --timeout, as for a package: a local read
    /// does not see a token, and one from a stalled network mount would otherwise hold the check forever.
    /// </summary>
    private static async Task<T> WithinTimeoutAsync<T>(Func<T> read, string file, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(read, cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            throw new TemplateFormatException(file, 0, 0, $"not read within {seconds} s (--timeout {seconds})");
        }
    }

    /// <summary>An app's packages judged at once: enough to overlap one package's waits (S3, a layer look-up) with another's work.</summary>
    internal static int PackagesAtOnce => Math.Max(4, Environment.ProcessorCount * 2);

    private static IEnumerable<string> SplitCodes(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary><c>Key=Value</c> (sam deploy's short form) or <c>ParameterKey=K,ParameterValue=V</c> (the AWS CLI's).</summary>
    internal static bool TryParseOverrides(IEnumerable<string> tokens, out Dictionary<string, string> overrides, out string? error)
    {
        overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (var token in tokens)
        {
            const string Long = "ParameterKey=";
            if (token.StartsWith(Long, StringComparison.Ordinal) && token.IndexOf(",ParameterValue=", StringComparison.Ordinal) is var comma and > 0)
            {
                overrides[token[Long.Length..comma]] = token[(comma + ",ParameterValue=".Length)..];
                continue;
            }

            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{token}' is not Key=Value";
                return false;
            }

            overrides[token[..equals]] = token[(equals + 1)..];
        }

        return true;
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
}

internal sealed record CheckOptions(
    IReadOnlyList<string> Packages,
    string Runtime,
    Architecture Architecture,
    IReadOnlyList<string> Layers,
    string Format,
    string? Handler,
    IReadOnlySet<string> PlaceholderSha256,
    FileInfo? OutputFile,
    TimeSpan Timeout,
    IReadOnlyDictionary<string, string> ParameterOverrides,
    FailOn FailOn,
    IReadOnlySet<string> Ignore);
