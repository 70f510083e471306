using Guard.Aws.Functions;
using Guard.Aws.Lambda;
using Guard.Aws.Store;
using Guard.Inspection.Images;

namespace Guard.Aws.Rollback;

/// <summary>Configuration values to put back; null leaves one as it is.</summary>
/// <param name="ImageConfig">An image function's recorded ImageConfig, put back whole (<see cref="FunctionImageConfig.None"/>: no overrides).</param>
public sealed record ConfigurationRestore(string? Runtime, string? Handler, IReadOnlyList<string>? Layers, FunctionImageConfig? ImageConfig = null)
{
    public bool IsEmpty => Runtime is null && Handler is null && Layers is null && ImageConfig is null;
}

/// <summary>How to bring a function back to its last good state.</summary>
/// <param name="CodeDiffers">The function's code (or image) is not the last good one.</param>
/// <param name="Architectures">The good architecture when it differs (only UpdateFunctionCode changes it); else null.</param>
public sealed record RestorePlan(DeployRecord LastGood, bool CodeDiffers, IReadOnlyList<string>? Architectures, ConfigurationRestore Configuration)
{
    /// <summary>UpdateFunctionCode from the stored copy (or the good image's digest): for the code, or for the architecture.</summary>
    public bool UpdatesCode => CodeDiffers || Architectures is not null;

    /// <summary>The settings the good code was judged under, which the stored copy (or the good image) is re-checked against.</summary>
    public FunctionTarget Target => new(
        LastGood.Runtime ?? "",
        LastGood.Architectures is { Count: > 0 } architectures ? architectures : ["x86_64"],
        LastGood.Layers ?? [],
        LastGood.Handler,
        LastGood.CodeSha256);

    /// <summary>
    /// Where the good code's copy is: the record's, else the digest's key for <paramref name="account"/> in
    /// <paramref name="defaultBucket"/>. Null for an image: ECR keeps it, under <see cref="DeployRecord.ImageUri"/>.
    /// </summary>
    public StoredCode? StoredIn(string defaultBucket, string account) => LastGood.IsImage
        ? null
        : new(LastGood.CodeBucket ?? defaultBucket, LastGood.CodeKey ?? CodeKeys.For(account, LastGood.CodeSha256), LastGood.CodeSha256);

    /// <summary>
    /// The ImageConfig the good image will run under once restored: the one it passed with, or — a record written before
    /// Guard kept it — <paramref name="current"/>'s, which the restore then leaves as it is.
    /// </summary>
    public FunctionImageConfig? ImageConfigUnder(FunctionConfiguration current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return LastGood.ImageConfig ?? current.ImageConfig;
    }
}

/// <summary>The rollback's decisions, free of I/O: the Guard Lambda's rollback mode and <c>guard rollback</c> share them.</summary>
public static class RollbackRules
{
    public const string QuarantineTag = "guard:quarantined";

    /// <summary>Lambda's PackageType of a container-image function.</summary>
    public const string ImagePackageType = "Image";

    /// <summary>Tag values allow letters, digits, spaces and <c>_ . : / = + - @</c>, up to 256 characters.</summary>
    public const int MaxTagValueLength = 256;

    /// <summary>
    /// Null when Guard may roll back or quarantine the function <paramref name="judged"/> describes; else why it must only
    /// alert. A published version (<c>Version</c> other than <c>$LATEST</c>: <c>3</c>, <c>$LATEST.PUBLISHED</c>) is
    /// immutable, so there is nothing to roll back, and quarantine is no substitute: reserved concurrency belongs to the
    /// function, and 0 would stop every version and alias of it, the good ones included.
    /// </summary>
    public static string? WhyOnlyAlert(FunctionConfiguration judged)
    {
        ArgumentNullException.ThrowIfNull(judged);
        if (judged.Version is not { Length: > 0 } version || version == "$LATEST")
        {
            return null;
        }

        var fix = version == "$LATEST.PUBLISHED"
            ? "fix $LATEST and publish it again (publish-version --publish-to LATEST_PUBLISHED)"
            : "point the aliases that use it back to a good version, or fix $LATEST and publish a new one";
        return $"Version {version} is a published version, which Lambda never changes, so Guard did not roll it back; nor did it stop the function, as that would stop its good versions too. To recover, {fix}.";
    }

    /// <returns>Null, with <paramref name="whyNot"/>, when there is nothing good to go back to.</returns>
    public static RestorePlan? Plan(FunctionConfiguration current, DeployRecord? lastGood, out string whyNot)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (lastGood is null)
        {
            whyNot = "Guard has no good code recorded for this function (a new function, or none of its deploys was seen passing)";
            return null;
        }

        // Lambda converts neither way between a zip and an image, so only a record of the same kind can be put back.
        var isImage = string.Equals(current.PackageType, ImagePackageType, StringComparison.OrdinalIgnoreCase);
        if (isImage != lastGood.IsImage)
        {
            whyNot = isImage
                ? "the last good record names no image digest (Guard recorded it before it judged images, or for a zip)"
                : "the last good record is of a container image, and this function runs a zip";
            return null;
        }

        if (lastGood.Runtime is null && !lastGood.IsImage)
        {
            whyNot = "the last good record predates rollback and holds no configuration to go back to";
            return null;
        }

        var codeDiffers = !string.Equals(lastGood.CodeSha256, current.CodeSha256, StringComparison.Ordinal);
        var goodArchitectures = lastGood.Architectures is { Count: > 0 } recorded ? recorded : ["x86_64"];
        var architectureDiffers = !goodArchitectures.SequenceEqual(current.Architectures, StringComparer.Ordinal);
        if ((codeDiffers || architectureDiffers) && lastGood.CodeKey is null && !lastGood.IsImage)
        {
            whyNot = $"the last good code ({lastGood.CodeSha256}) was not kept in the store";
            return null;
        }

        if (lastGood.IsImage)
        {
            // An image function has no runtime, handler or layers to put back: its image, architecture and ImageConfig are all.
            var imageConfig = lastGood.ImageConfig is { } goodConfig && !SameImageConfig(goodConfig, current.ImageConfig) ? RecordedImageConfig(goodConfig) : null;
            if (!codeDiffers && !architectureDiffers && imageConfig is null)
            {
                whyNot = lastGood.ImageConfig is null
                    ? $"the function already runs the last good image ({lastGood.ImageUri}) on its architecture, and its last good record predates Guard keeping the ImageConfig it passed with, so there is nothing to put back"
                    : $"the function already runs the last good image ({lastGood.ImageUri}) on its architecture with the ImageConfig it passed with, so there is nothing to put back";
                return null;
            }

            whyNot = "";
            return new RestorePlan(lastGood, codeDiffers, architectureDiffers ? goodArchitectures : null, new ConfigurationRestore(null, null, null, imageConfig));
        }

        var layers = lastGood.Layers ?? [];
        var configuration = new ConfigurationRestore(
            string.Equals(lastGood.Runtime, current.Runtime, StringComparison.Ordinal) ? null : lastGood.Runtime,
            lastGood.Handler is null || string.Equals(lastGood.Handler, current.Handler, StringComparison.Ordinal) ? null : lastGood.Handler,
            layers.SequenceEqual(current.Layers.Select(l => l.Arn), StringComparer.Ordinal) ? null : layers);
        if (!codeDiffers && !architectureDiffers && configuration.IsEmpty)
        {
            whyNot = "the function is exactly as it was when Guard last judged it good, so there is nothing to put back";
            return null;
        }

        whyNot = "";
        return new RestorePlan(lastGood, codeDiffers, architectureDiffers ? goodArchitectures : null, configuration);
    }

    /// <summary>
    /// The exact image an image function runs, as a rollback can name it again: GetFunction's <c>ResolvedImageUri</c>
    /// (<c>repository@sha256:…</c>), else its <c>ImageUri</c> when the deploy already named a digest. A tag is never
    /// recorded: a later push moves it, and "the last good image" would become whatever was pushed. Null for a zip, or
    /// when Lambda named no digest.
    /// </summary>
    public static string? PinnedImage(FunctionDetails function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (!string.Equals(function.Configuration.PackageType, ImagePackageType, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new[] { function.ResolvedImageUri, function.ImageUri }.FirstOrDefault(IsPinned);
    }

    /// <summary>
    /// An image function's ImageConfig as a good record keeps it: an empty list or string (GetFunction reports an unset
    /// WorkingDirectory as <c>""</c>) is no override, so it becomes null, as Lambda and the image engine read it; a function
    /// without overrides gives <see cref="FunctionImageConfig.None"/>, never null, so the record says "none" rather than "unknown".
    /// </summary>
    public static FunctionImageConfig RecordedImageConfig(FunctionImageConfig? config) => new(
        config?.EntryPoint is { Count: > 0 } entryPoint ? [.. entryPoint] : null,
        config?.Command is { Count: > 0 } command ? [.. command] : null,
        config?.WorkingDirectory is { Length: > 0 } directory ? directory : null);

    /// <summary>Whether two ImageConfigs start the container alike: the same overrides, an empty one being none.</summary>
    public static bool SameImageConfig(FunctionImageConfig? left, FunctionImageConfig? right)
    {
        var (a, b) = (RecordedImageConfig(left), RecordedImageConfig(right));
        return (a.EntryPoint ?? []).SequenceEqual(b.EntryPoint ?? [], StringComparer.Ordinal)
            && (a.Command ?? []).SequenceEqual(b.Command ?? [], StringComparer.Ordinal)
            && string.Equals(a.WorkingDirectory, b.WorkingDirectory, StringComparison.Ordinal);
    }

    /// <summary><c>repository@sha256:</c> and 64 hex digits: a reference no push can move.</summary>
    public static bool IsPinned(string? imageUri) =>
        imageUri is not null
        && imageUri.IndexOf("@sha256:", StringComparison.Ordinal) is > 0 and var at
        && imageUri.Length - (at + "@sha256:".Length) == 64
        && imageUri[(at + "@sha256:".Length)..].All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// The bad revision's name in the store: its RevisionId, or — where none is reported (local emulators) — its
    /// code digest in hex, which is safe in an S3 key where base64's '/' is not.
    /// </summary>
    public static string RevisionOf(FunctionConfiguration current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.RevisionId is { Length: > 0 } revision)
        {
            return revision;
        }

        Span<byte> digest = stackalloc byte[48];
        return Convert.TryFromBase64String(current.CodeSha256, digest, out var written)
            ? $"code-{Convert.ToHexStringLower(digest[..written])}"
            : $"code-{new string([.. current.CodeSha256.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')])}";
    }

    /// <summary>Lambda's answers to a write conditional on a RevisionId that is no longer current, or made during another update.</summary>
    public static bool IsConcurrentChange(string errorCode) =>
        errorCode is "PreconditionFailedException" or "ResourceConflictException";

    /// <summary>The <c>guard:quarantined</c> value: why, and when; only characters a tag value allows.</summary>
    public static string QuarantineReason(string? findingCode, DateTimeOffset when)
    {
        var text = $"{findingCode ?? "broken"} no good code to roll back to {when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}";
        var clean = new string([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@' ? c : ' ')]);
        return clean.Length <= MaxTagValueLength ? clean : clean[..MaxTagValueLength];
    }
}
