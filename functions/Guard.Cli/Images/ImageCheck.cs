using System.Globalization;
using Guard.Aws.Ecr;
using Guard.Aws.Http;
using Guard.Cli.Apps;
using Guard.Inspection.Images;
using Guard.Inspection.Reading;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Cli.Images;

/// <summary>A container image to judge: a layout folder, an image tar or a registry reference, with the function's facts.</summary>
/// <param name="ImageConfig">The function's ImageConfig, when a template gives one.</param>
internal sealed record ImageRequest(
    string Image,
    Architecture Architecture,
    FunctionImageConfig? ImageConfig = null,
    FunctionOrigin? Function = null,
    IReadOnlyDictionary<string, string>? Ignored = null);

/// <summary>
/// <c>guard check IMAGE</c>: recognizes an image argument, opens it, runs the image engine within the timeout and
/// turns what happened into a <see cref="CheckResult"/>; never throws for an image. A private ECR image
/// (<c>ACCOUNT.dkr.ecr.REGION.amazonaws.com/…</c>) is read through ECR's API with the AWS credentials, as the Guard
/// Lambda reads it; any other registry with the Docker config's.
/// </summary>
internal static class ImageCheck
{
    /// <summary>What a function whose registry did not give its image is told to do.</summary>
    private const string UnreachableHint = "build and push the image first, or check the registry and its credentials (docker login)";

    /// <summary>
    /// An OCI image layout folder, a tar holding an image (<c>docker save</c>, an OCI archive), or a reference that names
    /// its registry and is no local path.
    /// </summary>
    public static bool IsImage(string argument) =>
        OciLayoutSource.IsLayout(argument)
        || File.Exists(argument) && ImageArchiveSource.IsImageArchive(argument)
        || !File.Exists(argument) && !Directory.Exists(argument) && ImageReference.TryParse(argument, out _);

    /// <param name="ecr">Reads ECR images with the AWS credentials; null reads them like any registry (Docker config).</param>
    public static Task<CheckResult> RunAsync(ImageRequest request, TimeSpan timeout, IEcrImages? ecr, CancellationToken cancellationToken) =>
        RunAsync(request, timeout, ecr, DockerConfig.FromEnvironment(), cancellationToken);

    /// <param name="ecr">Reads ECR images with the AWS credentials; null reads them like any registry (Docker config).</param>
    /// <param name="dockerConfig">Where other registries' credentials come from.</param>
    public static async Task<CheckResult> RunAsync(ImageRequest request, TimeSpan timeout, IEcrImages? ecr, DockerConfig dockerConfig, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dockerConfig);
        var architecture = request.Architecture.ToApiName();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // Before the inspection's thread, awaited as it is: a credential helper that overruns the deadline is named.
            var credential = IsLocal(request.Image) || EcrImage(request.Image, ecr) is not null || !ImageReference.TryParse(request.Image, out var reference) ? null
                : await dockerConfig.CredentialForAsync(reference.Registry, deadline.Token).ConfigureAwait(false);

            // Local reads do not see the token: on a thread of their own a stalled mount is left behind at the deadline.
            var report = await Task.Run(() => InspectAsync(request, ecr, credential, deadline.Token), deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
            var findings = report.Findings.Select(f => new JudgedFinding(f, request.Ignored is not null && request.Ignored.TryGetValue(f.Code, out var by) ? by : null)).ToArray();
            return CheckResult.Inspected(report.Source, request.Function, report, findings);
        }
        catch (PackageUnavailableException e)
        {
            // A function's image: say what that means for the app, not only what the registry said.
            return NotChecked(request, request.Function is null ? e.Message : $"the image is not reachable: {e.Message}");
        }
        catch (InvalidImageException e)
        {
            return NotChecked(request, $"{request.Image}: {e.Message}");
        }
        catch (CredentialsUnavailableException e)
        {
            return NotChecked(request, $"{request.Image}: an ECR image is read with AWS credentials: {e.Message}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return NotChecked(request, $"{request.Image}: not read within {seconds} s (--timeout {seconds}); check the registry, or raise --timeout");
        }

        CheckResult NotChecked(ImageRequest image, string reason) =>
            image.Function is null
                ? CheckResult.NotChecked(image.Image, null, ImageInspector.RuntimeName, architecture, reason)
                : CheckResult.NotChecked(image.Image, image.Function, ImageInspector.RuntimeName, architecture, reason, [Judged(AppFindings.NotChecked(reason, UnreachableHint))]);

        // A function's NOT CHECKED can be suppressed in its app like any other: then it counts as skipped.
        JudgedFinding Judged(Finding finding) =>
            new(finding, request.Ignored is not null && request.Ignored.TryGetValue(finding.Code, out var by) ? by : null);
    }

    private static bool IsLocal(string image) => OciLayoutSource.IsLayout(image) || File.Exists(image);

    /// <summary>An ECR image read through ECR's API when there is an ECR reader; null for anything else.</summary>
    private static EcrImageUri? EcrImage(string image, IEcrImages? ecr) =>
        ecr is not null && !IsLocal(image) && EcrImageUri.TryParse(image.StartsWith("docker://", StringComparison.Ordinal) ? image["docker://".Length..] : image, out var parsed) ? parsed : null;

    private static async Task<Report> InspectAsync(ImageRequest request, IEcrImages? ecr, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        IImageSource source = OciLayoutSource.IsLayout(request.Image) ? OciLayoutSource.Open(request.Image)
            : File.Exists(request.Image) ? await ImageArchiveSource.OpenAsync(request.Image, cancellationToken).ConfigureAwait(false)
            : EcrImage(request.Image, ecr) is { } image ? ecr!.Open(image)
            : ImageReference.TryParse(request.Image, out var reference) ? new RegistryImageSource(reference, credential)
            : throw new PackageUnavailableException($"{request.Image}: not an OCI image layout, an image tar, nor a registry reference (REGISTRY/REPOSITORY:TAG)");
        await using (source.ConfigureAwait(false))
        {
            return await ImageInspector.InspectAsync(new ImageInspectionRequest(source, request.Architecture, request.ImageConfig), cancellationToken).ConfigureAwait(false);
        }
    }
}
