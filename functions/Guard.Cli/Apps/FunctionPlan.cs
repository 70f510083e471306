using Guard.Cli.Images;
using Guard.Inspection.Images;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>
/// What to do about one function of an app: inspect a package, or a result already decided (skipped, not checked).
/// Every code locator (templates, Terraform plans) makes these; <c>guard check</c> judges them all the same way.
/// </summary>
internal sealed record FunctionPlan(PackageRequest? Request, CheckResult? Decided)
{
    /// <summary>An image function to judge as <c>guard check IMAGE</c> judges an image (set when Request and Decided are null).</summary>
    public ImageRequest? Image { get; init; }

    /// <summary>What a function whose image is not in a registry Guard can ask is told to do.</summary>
    public const string PushImageFirst = "build and push the image first, and give the function its registry reference (REGISTRY/REPOSITORY:TAG)";

    /// <summary>
    /// A <c>PackageType: Image</c> function: its image read from the registry its literal reference names, with the
    /// function's architecture and ImageConfig over the image's; not checked when the reference is known only at
    /// deploy or names no registry (a local build), since there is no image Guard can reach.
    /// </summary>
    /// <param name="reference">The image reference as the app gives it; null when it is known only at deploy.</param>
    /// <param name="unreachable">Why there is no reference to read, when the app says (an image sam build or cdk deploy builds).</param>
    public static FunctionPlan ForImage(
        FunctionOrigin origin, string? reference, string display, string architecture, FunctionImageConfig? imageConfig,
        IReadOnlyDictionary<string, string> ignored, PropertyNames names, string? unreachable = null, string? hint = null)
    {
        if (reference is null || !ImageReference.TryParse(reference, out _))
        {
            var reason = unreachable ?? (reference is null
                ? $"the image is not reachable: {display} is known only at deploy"
                : $"the image is not reachable: {reference} names no registry (a local image)");
            return NotChecked(origin, display, null, architecture, reason, hint ?? PushImageFirst, ignored);
        }

        if (!ArchitectureNames.TryParse(architecture, out var parsed))
        {
            return NotChecked(origin, reference, null, architecture, $"{names.Architectures} [{architecture}] is not x86_64 or arm64", null, ignored);
        }

        return new FunctionPlan(null, null) { Image = new ImageRequest(reference, parsed, imageConfig, origin, ignored) };
    }

    public static FunctionPlan Skip(FunctionOrigin origin, string code, string? runtime, string? architecture, string reason) =>
        new(null, CheckResult.Skipped(code, origin, runtime, architecture, reason));

    public static FunctionPlan NotChecked(
        FunctionOrigin origin, string code, string? runtime, string? architecture, string reason, string? hint, IReadOnlyDictionary<string, string> ignored)
    {
        // A function not built yet still has a runtime its app names: its deprecation and block dates stand.
        Finding[] findings = [AppFindings.NotChecked(reason, hint), .. DeployRules.For(runtime, architecture, inspected: false)];
        var judged = findings.Select(f => new JudgedFinding(f, ignored.TryGetValue(f.Code, out var by) ? by : null)).ToArray();
        return new(null, CheckResult.NotChecked(code, origin, runtime, architecture, reason, judged));
    }

    /// <summary>
    /// What the runtime and architecture alone decide, before any code is looked for: no runtime, one Lambda does not
    /// accept (broken), a managed runtime without layers or one Guard knows no image of (skipped: Lambda supplies the
    /// bootstrap), an architecture that is neither. Null when the function's package (on a managed runtime: its layers'
    /// extensions) is to be judged, with <paramref name="parsed"/> its architecture.
    /// </summary>
    /// <param name="names">How the app spells the runtime and architectures properties, for the reasons.</param>
    /// <param name="layers">How many layers the function has.</param>
    public static FunctionPlan? ByRuntime(
        FunctionOrigin origin,
        string code,
        string? runtime,
        string architecture,
        IReadOnlyDictionary<string, string> ignored,
        PropertyNames names,
        int layers,
        out Architecture parsed)
    {
        parsed = Architecture.X8664;
        if (runtime is null)
        {
            return NotChecked(origin, code, null, architecture, $"no {names.Runtime}: a zip function needs one", null, ignored);
        }

        if (!RuntimeCatalog.Default.IsLambdaRuntime(runtime))
        {
            var unknown = Findings.RuntimeUnknown(runtime, RuntimeCatalog.Default.Nearest(runtime));
            var judged = new JudgedFinding(unknown, ignored.TryGetValue(unknown.Code, out var by) ? by : null);
            return new FunctionPlan(null, CheckResult.FromTemplate(code, origin, runtime, architecture, [judged], $"{names.Runtime} {runtime} is not one Lambda accepts: the package was not read"));
        }

        if (!RuntimeCatalog.Default.TryFind(runtime, out _))
        {
            if (!RuntimeCatalog.Default.TryFindManaged(runtime, out _))
            {
                return Skip(origin, code, runtime, architecture, $"{runtime} is a managed runtime: Lambda supplies the bootstrap");
            }

            if (layers == 0)
            {
                return Skip(origin, code, runtime, architecture, $"{runtime} is a managed runtime without layers: Lambda supplies the bootstrap and no layer brings an extension");
            }
        }

        if (!ArchitectureNames.TryParse(architecture, out parsed))
        {
            return NotChecked(origin, code, runtime, architecture, $"{names.Architectures} [{architecture}] is not x86_64 or arm64", null, ignored);
        }

        return null;
    }
}

/// <summary>How an app's dialect names a function's runtime and architectures, so reasons quote what the user wrote.</summary>
internal sealed record PropertyNames(string Runtime, string Architectures)
{
    public static PropertyNames CloudFormation { get; } = new("Runtime", "Architectures");

    public static PropertyNames Terraform { get; } = new("runtime", "architectures");
}
