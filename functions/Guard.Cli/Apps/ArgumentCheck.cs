using System.Globalization;
using System.Security.Cryptography;
using Guard.Aws;
using Guard.Aws.Functions;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>One package to judge, with the function facts to judge it against and what to say beside it.</summary>
/// <param name="Package">PACKAGE as given (or resolved from a template): a folder, a zip, s3:// or an http(s) URL.</param>
/// <param name="Layers">The function's layers, in its order (later ones win on /opt).</param>
/// <param name="Function">For a function of an app.</param>
/// <param name="Ignored">Codes suppressed for this package, with what suppressed them.</param>
/// <param name="Environment">The function's LD_LIBRARY_PATH setting, when its template says it; null for a package alone.</param>
internal sealed record PackageRequest(
    string Package,
    string Runtime,
    Architecture Architecture,
    IReadOnlyList<LayerSource> Layers,
    string? Handler,
    FunctionOrigin? Function = null,
    IReadOnlyDictionary<string, string>? Ignored = null,
    FunctionEnvironment? Environment = null)
{
    /// <summary>Inline template code (<see cref="Package"/> only names it): a managed runtime's layers are judged without it.</summary>
    public bool InlineCode { get; init; }
}

/// <summary><c>guard check</c>'s per-argument check: runs the engine on one <see cref="PackageRequest"/> and turns what happened into a <see cref="CheckResult"/>; never throws for a package.</summary>
/// <param name="layers">Looks up layer-version ARNs; null reads none of them (each is then LAYER_NOT_CHECKED).</param>
internal sealed class ArgumentCheck(PackageArguments opener, ILayerLocator? layers, IReadOnlySet<string> placeholderSha256, TimeSpan timeout)
{
    public async Task<CheckResult> RunAsync(PackageRequest request, CancellationToken cancellationToken)
    {
        var shown = Shown(request.Package);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Report report;
        var unread = new List<Finding>();
        try
        {
            // Local reads are synchronous and do not see the token: on a thread of its own a read that hangs (a file
            // on a stalled network mount) is left behind at the deadline instead of holding the check past it.
            report = await Task.Run(() => InspectAsync(request, unread, deadline.Token), deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (PackageUnavailableException e)
        {
            return NotChecked(request, shown, e.Message);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return NotChecked(request, shown, e.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return NotChecked(request, shown, $"{shown}: not read within {seconds} s (--timeout {seconds}); check the server, or raise --timeout");
        }

        // A function without its own bootstrap may get /opt/bootstrap (or an interpreter under /opt) from a layer
        // Guard did not read: what the engine says about /opt is then a guess, and a guess is not a verdict.
        if (unread.Count > 0 && report.Findings.FirstOrDefault(DependsOnOpt) is { } uncertain)
        {
            var reason = $"{uncertain.Code}: {uncertain.Message}; a layer Guard did not read may provide it";
            return NotChecked(request, shown, reason, unread);
        }

        var findings = report.Findings
            .Concat(DeployRules.For(report.Runtime, report.Architecture, inspected: true))
            .Concat(unread)
            .Select(f => Judge(f, request.Ignored))
            .ToArray();
        return CheckResult.Inspected(shown, request.Function, report, findings);
    }

    private async Task<Report> InspectAsync(PackageRequest request, List<Finding> unread, CancellationToken cancellationToken)
    {
        var opened = new List<IRangeSource>();
        try
        {
            var package = request.InlineCode ? new UnreadPackage(request.Package) : opener.Open(request.Package);
            opened.Add(package);
            var layers = new List<IRangeSource>();
            foreach (var layer in request.Layers)
            {
                var source = await OpenLayerAsync(layer, unread, cancellationToken).ConfigureAwait(false);
                if (source is not null)
                {
                    opened.Add(source);
                    layers.Add(source);
                }
            }

            var inspection = new InspectionRequest(
                package,
                request.Runtime,
                request.Architecture,
                layers,
                request.Handler,
                placeholderSha256.Count > 0 ? await LocalSha256Async(request.Package, cancellationToken).ConfigureAwait(false) : null,
                placeholderSha256,
                request.Environment)
            {
                LayersOnly = request.InlineCode,
            };
            return await new PackageInspector().InspectAsync(inspection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in opened)
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The layer's bytes, or null (with a LAYER_NOT_CHECKED finding) when it cannot be read.</summary>
    private async Task<IRangeSource?> OpenLayerAsync(LayerSource layer, List<Finding> unread, CancellationToken cancellationToken)
    {
        if (layer.Location is { } location)
        {
            return opener.Open(location);
        }

        if (layer.Arn is not { } arn)
        {
            unread.Add(AppFindings.LayerNotRead(layer.Display, layer.NotReadWhy ?? "it cannot be read"));
            return null;
        }

        if (layers is null)
        {
            unread.Add(AppFindings.LayerNotRead(arn, "not in the app"));
            return null;
        }

        try
        {
            var url = await layers.LocateAsync(arn, cancellationToken).ConfigureAwait(false);
            return new LabelledRangeSource(opener.Open(url), arn);
        }
        catch (PackageUnavailableException e)
        {
            unread.Add(AppFindings.LayerNotRead(arn, $"not in the app, and {e.Message}"));
            return null;
        }
        catch (FormatException e)
        {
            unread.Add(AppFindings.LayerNotRead(arn, $"not in the app, and its Content.Location is not a URL Guard can read: {e.Message}"));
            return null;
        }
    }

    private static CheckResult NotChecked(PackageRequest request, string shown, string reason, List<Finding>? extra = null)
    {
        var runtime = request.Runtime;
        var architecture = request.Architecture.ToApiName();
        if (request.Function is null)
        {
            return CheckResult.NotChecked(shown, null, runtime, architecture, reason);
        }

        var findings = new List<Finding> { AppFindings.NotChecked(reason, null) };
        findings.AddRange(extra ?? []);
        findings.AddRange(DeployRules.For(runtime, architecture, inspected: false));
        var judged = findings.Select(f => Judge(f, request.Ignored)).ToArray();
        return CheckResult.NotChecked(shown, request.Function, runtime, architecture, reason, judged);
    }

    private static JudgedFinding Judge(Finding finding, IReadOnlyDictionary<string, string>? ignored) =>
        new(finding, ignored is not null && ignored.TryGetValue(finding.Code, out var by) ? by : null);

    private static bool DependsOnOpt(Finding finding) =>
        finding.Code == FindingCodes.BootstrapMissing ||
        (finding.Code is FindingCodes.BootstrapInterpreterMissing or FindingCodes.BootstrapNotFile && finding.Message.Contains("/opt/", StringComparison.Ordinal));

    /// <summary>PACKAGE as it may be shown: a URL without its query (a presigned signature), a path as written.</summary>
    public static string Shown(string package) =>
        PackageArguments.IsLocalFolder(package) ? package
        : PackageLocation.TryParse(package, out var location, out _) ? location.DisplayName : package.Split('?')[0];

    /// <summary>Placeholders listed by digest can be matched only when the package's digest is at hand: local zip files.</summary>
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
