using System.Globalization;
using System.Security.Cryptography;
using Guard.Aws;
using Guard.Inspection;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>One package to judge, with the function facts to judge it against and what to say beside it.</summary>
/// <param name="Package">PACKAGE as given (or resolved from a template): a folder, a zip, s3:// or an http(s) URL.</param>
/// <param name="Layers">Layers Guard can read, in the function's order.</param>
/// <param name="Function">For a function of an app.</param>
/// <param name="AppFindings">Guard's findings about the app (e.g. layers it could not read), reported with the engine's.</param>
/// <param name="UnreadLayers">True when some layer was not read: findings that depend on /opt are then not certain.</param>
/// <param name="Ignored">Codes suppressed for this package, with what suppressed them.</param>
internal sealed record PackageRequest(
    string Package,
    string Runtime,
    Architecture Architecture,
    IReadOnlyList<string> Layers,
    string? Handler,
    FunctionOrigin? Function = null,
    IReadOnlyList<Finding>? AppFindings = null,
    bool UnreadLayers = false,
    IReadOnlyDictionary<string, string>? Ignored = null);

/// <summary>Runs the engine on one <see cref="PackageRequest"/> and turns what happened into a <see cref="CheckResult"/>; never throws for a package.</summary>
internal sealed class PackageCheck(PackageOpener opener, IReadOnlySet<string> placeholderSha256, TimeSpan timeout)
{
    public async Task<CheckResult> RunAsync(PackageRequest request, CancellationToken cancellationToken)
    {
        var shown = Shown(request.Package);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Report report;
        try
        {
            report = await InspectAsync(request, deadline.Token).ConfigureAwait(false);
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
        if (request.UnreadLayers && report.Findings.FirstOrDefault(DependsOnOpt) is { } uncertain)
        {
            var reason = $"{uncertain.Code}: {uncertain.Message}; a layer Guard did not read may provide it";
            return NotChecked(request, shown, reason, [.. request.AppFindings ?? []]);
        }

        var findings = report.Findings.Concat(request.AppFindings ?? []).Select(f => Judge(f, request.Ignored)).ToArray();
        return CheckResult.Inspected(shown, request.Function, report, findings);
    }

    private async Task<Report> InspectAsync(PackageRequest request, CancellationToken cancellationToken)
    {
        var opened = new List<IRangeSource>();
        try
        {
            var package = opener.Open(request.Package);
            opened.Add(package);
            var layers = new List<IRangeSource>();
            foreach (var layer in request.Layers)
            {
                var source = opener.Open(layer);
                opened.Add(source);
                layers.Add(source);
            }

            var inspection = new InspectionRequest(
                package,
                request.Runtime,
                request.Architecture,
                layers,
                request.Handler,
                placeholderSha256.Count > 0 ? await LocalSha256Async(request.Package, cancellationToken).ConfigureAwait(false) : null,
                placeholderSha256);
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
        PackageOpener.IsLocalFolder(package) ? package
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
