namespace Guard.Inspection.Rules;

/// <summary>The findings of container images; the file their command execs gets the bootstrap findings, reworded by <see cref="ForImage"/>.</summary>
public static partial class Findings
{
    /// <summary>Lambda's answer to CreateFunction or UpdateFunctionCode for a media type it does not take.</summary>
    private const string UnsupportedMediaType = "The image manifest, config or layer media type for the source image … is not supported";

    public static Finding ImageIndex(string mediaType, int attestations, IReadOnlyList<string> platforms)
    {
        var kind = mediaType == Images.ImageMediaTypes.DockerManifestList ? "a manifest list" : "an OCI image index";
        var made = attestations > 0
            ? $" with {attestations} provenance/SBOM attestation manifest(s), as docker buildx writes by default"
            : string.Empty;
        return new(
            FindingCodes.ImageIndex, Severity.Error,
            $"the reference names {kind} ({string.Join(", ", platforms.DefaultIfEmpty("no platform image"))}){made}, not one image's manifest: Lambda refuses the deploy with \"{UnsupportedMediaType}\"",
            "build one platform without attestations: docker buildx build --platform linux/arm64 --provenance=false --sbom=false (or push with --output type=image,oci-mediatypes=false), or deploy the platform manifest's digest (IMAGE@sha256:...)");
    }

    public static Finding ImageMediaTypeUnsupported(string part, string mediaType) => new(
        FindingCodes.ImageMediaTypeUnsupported, Severity.Error,
        $"the image's {part} has media type {mediaType}, which Lambda does not take (it takes Docker v2 schema 2 and OCI manifests with tar or gzip layers): the deploy fails with \"{UnsupportedMediaType}\"",
        part == "layer"
            ? "rebuild with gzip layers: docker buildx build --output type=image,compression=gzip,force-compression=true (zstd and foreign layers are refused)"
            : "push with a current Docker or buildx (Docker v2 schema 2 or OCI manifests); schema 1 images must be rebuilt");

    public static Finding ImageWrongArch(string imageArchitecture, string functionArchitecture, string? command)
    {
        var other = functionArchitecture == ArchitectureNames.Arm64 ? ArchitectureNames.X8664 : ArchitectureNames.Arm64;
        var platform = functionArchitecture == ArchitectureNames.Arm64 ? "linux/arm64" : "linux/amd64";
        var switchArch = ImageRules.ArchitectureOf(imageArchitecture) is not null ? $", or set Architectures: [{other}]" : string.Empty;
        return new(
            FindingCodes.ImageWrongArch, Severity.Error,
            $"the image is built for {imageArchitecture} but the function runs on {functionArchitecture}: its entrypoint fails with exec format error (fork/exec {command ?? ImageRules.AwsBaseEntrypoint}: exec format error)",
            $"build for the function's CPU: docker buildx build --platform {platform} --provenance=false{switchArch}");
    }

    public static Finding ImageNotLinux(string os) => new(
        FindingCodes.ImageNotLinux, Severity.Error,
        $"the image is built for {os}, not linux: Lambda runs Linux containers only and the function cannot start",
        "build a Linux image: docker buildx build --platform linux/amd64 (or linux/arm64) from a Linux base image");

    public static Finding ImageNoCommand() => new(
        FindingCodes.ImageNoCommand, Severity.Error,
        "the image has no ENTRYPOINT or CMD, and the function's ImageConfig sets neither: Lambda has nothing to exec and init fails",
        "set ENTRYPOINT in the Dockerfile (AWS base images set /lambda-entrypoint.sh), or ImageConfig.EntryPoint on the function");

    public static Finding ImageWorkingDirectoryRelative(string directory, bool overridden) => new(
        FindingCodes.ImageWorkingDirectoryRelative, Severity.Error,
        $"the {(overridden ? "function's ImageConfig.WorkingDirectory" : "image's WORKDIR")} is {directory}, not an absolute path: init fails with Runtime.InvalidWorkingDir",
        overridden ? $"set ImageConfig.WorkingDirectory to an absolute path (e.g. /{directory.TrimStart('.', '/')})" : $"use an absolute WORKDIR in the Dockerfile (e.g. WORKDIR /{directory.TrimStart('.', '/')})");

    public static Finding ImageHandlerArguments(int arguments, bool overridden) => new(
        FindingCodes.ImageHandlerArguments, Severity.Error,
        $"/lambda-entrypoint.sh gets {arguments} argument(s){(overridden ? " once the function's ImageConfig is applied" : string.Empty)}; it takes exactly one, the handler, and otherwise exits 142 (\"entrypoint requires the handler name to be the first argument\")",
        "give one CMD (CMD [\"app.handler\"]) or one ImageConfig.Command entry, and leave ImageConfig.EntryPoint unset on an AWS base image");

    public static Finding ImageEntrypointMissing(string word, string looked, bool deletedByWhiteout, bool overridden)
    {
        var why = deletedByWhiteout ? "a later layer deleted it (a whiteout)" : "no layer of the image has it";
        var client = word.Contains("ric", StringComparison.Ordinal) || word.Contains("awslambda", StringComparison.Ordinal);
        return new(
            FindingCodes.ImageEntrypointMissing, Severity.Error,
            $"the {(overridden ? "function's ImageConfig" : "image's")} command starts {word}, and {looked}: {why}, so Lambda fails with fork/exec {word}: no such file or directory (exit 127)",
            client
                ? "install the runtime interface client in the image (pip install awslambdaric; npm install aws-lambda-ric), or build FROM an AWS base image (public.ecr.aws/lambda/...)"
                : "COPY the file into the image at that path (and keep later RUN steps from deleting it), or fix ENTRYPOINT/ImageConfig.EntryPoint to name an existing file");
    }

    public static Finding ImageAwsBaseBootstrapMissing() => new(
        FindingCodes.BootstrapMissing, Severity.Error,
        $"the image starts {ImageRules.AwsBaseEntrypoint}, which execs {ImageRules.AwsBaseBootstrap}, and no layer has it: init fails with Couldn't find valid bootstrap(s)",
        "COPY the built bootstrap to ${LAMBDA_RUNTIME_DIR} (COPY bootstrap /var/runtime/bootstrap) in a provided.al2023 base image, or start your binary as ENTRYPOINT");

    public static Finding ImageNoRuntimeClient(string command, string language) => new(
        FindingCodes.ImageNoRuntimeClient, Severity.Warning,
        $"the image starts {command}: a {language} program serves Lambda only through a runtime interface client, and the command names none, nor is this an AWS base image (/lambda-entrypoint.sh, LAMBDA_TASK_ROOT); if the program does not call the Runtime API itself, init times out",
        "start the client: ENTRYPOINT [\"/usr/local/bin/python\", \"-m\", \"awslambdaric\"] CMD [\"app.handler\"] (npx aws-lambda-ric for Node.js), or build FROM public.ecr.aws/lambda/<runtime>");

    public static Finding ImageInvalid(string why) => new(
        FindingCodes.ImageInvalid, Severity.Error,
        $"the image cannot be read: {why}",
        "rebuild and push the image with a current Docker, buildah or skopeo");

    /// <summary>
    /// A bootstrap finding about the file an image's command execs: the fix is in the Dockerfile, not a zip. Codes and
    /// messages stay, as the same failure happens at start.
    /// </summary>
    public static Finding ForImage(Finding finding, string path)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var hint = finding.Code switch
        {
            FindingCodes.BootstrapNotExecutable => $"RUN chmod 755 {path} in the Dockerfile (or COPY --chmod=755), so the user Lambda runs the container as can exec it",
            FindingCodes.BootstrapGlibcTooNew => "build in a stage FROM the same base image the function's image uses (or an older one), link statically, or move to a base image with a newer glibc",
            FindingCodes.BootstrapInterpreterMissing => "install the interpreter in the image (RUN dnf install -y ... / apt-get install -y ...) or use one the base image has, or link statically",
            FindingCodes.BootstrapLibraryMissing => "install the library in the image (dnf/apt-get) or COPY it next to the binary with an RPATH of $ORIGIN, or link statically",
            FindingCodes.BootstrapWrongArch => $"rebuild {path} for the function's CPU in the image's build stage (docker buildx build --platform ...)",
            _ => finding.Hint,
        };
        // The bootstrap rules name "the runtime's image"; for a container image that is the image itself.
        return finding with { Message = finding.Message.Replace("the image's image", "the image", StringComparison.Ordinal), Hint = hint };
    }
}
