using Guard.Inspection.Executables;
using Guard.Inspection.Images;

namespace Guard.Inspection.Rules;

/// <summary>
/// Judges a container image the way Lambda takes it: the kind of manifest, the platform its config names, and the
/// start command once the function's ImageConfig is merged over the image's. The file that start command execs is
/// judged by <see cref="ExecutableRules"/> and <see cref="LibraryRules"/>, against the image's own files.
/// </summary>
public static class ImageRules
{
    /// <summary>The entrypoint of AWS's Lambda base images: it execs <see cref="AwsBaseBootstrap"/> with the handler as its one argument.</summary>
    public const string AwsBaseEntrypoint = "/lambda-entrypoint.sh";

    /// <summary>What <see cref="AwsBaseEntrypoint"/> execs (<c>RUNTIME_ENTRYPOINT=/var/runtime/bootstrap</c>).</summary>
    public const string AwsBaseBootstrap = "/var/runtime/bootstrap";

    /// <summary>Program names of the runtime interface clients AWS publishes (awslambdaric for Python and Ruby, aws-lambda-ric for Node.js, the Java client's main class).</summary>
    private static readonly string[] RuntimeClientMarkers = ["awslambdaric", "aws_lambda_ric", "aws-lambda-ric", "aws-lambda-cpp", "com.amazonaws.services.lambda.runtime.api.client", "aws-lambda-rie", "Amazon.Lambda.RuntimeSupport"];

    /// <summary>Interpreters that start a handler only through a runtime interface client.</summary>
    private static readonly string[] LanguageInterpreters = ["python", "python3", "node", "nodejs", "java", "ruby", "dotnet", "php", "deno", "bun"];

    /// <summary>The Lambda architecture an image config's <c>architecture</c> (GOARCH spelling) runs on; null for any other CPU.</summary>
    public static Architecture? ArchitectureOf(string? imageArchitecture) => imageArchitecture switch
    {
        "amd64" => Architecture.X8664,
        "arm64" => Architecture.Arm64,
        _ => null,
    };

    /// <summary>The GOARCH spelling images use for a Lambda architecture.</summary>
    public static string ImageArchitectureName(Architecture architecture) => architecture == Architecture.Arm64 ? "arm64" : "amd64";

    /// <summary>An index or manifest list where Lambda wants one image's manifest.</summary>
    public static Finding JudgeIndex(ImageIndex index, string mediaType)
    {
        ArgumentNullException.ThrowIfNull(index);
        var manifests = index.Manifests ?? [];
        return Findings.ImageIndex(mediaType, manifests.Count(m => m.IsAttestation), [.. manifests.Where(m => !m.IsAttestation).Select(PlatformName)]);
    }

    public static string PlatformName(ImageDescriptor descriptor) =>
        descriptor.Platform is { } p ? $"{p.OperatingSystem ?? "?"}/{p.Architecture ?? "?"}{(p.Variant is { Length: > 0 } v ? "/" + v : string.Empty)}" : "unknown";

    /// <summary>The manifest, config and layer media types: Lambda takes Docker v2 schema 2 and OCI manifests with tar or gzip layers.</summary>
    public static IReadOnlyList<Finding> JudgeManifest(ImageManifest manifest, string? mediaType)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var findings = new List<Finding>();
        if (!ImageMediaTypes.IsManifest(mediaType))
        {
            findings.Add(Findings.ImageMediaTypeUnsupported("manifest", mediaType ?? "(none)"));
            return findings;
        }

        if (manifest.Config?.MediaType is { } config && config is not (ImageMediaTypes.OciConfig or ImageMediaTypes.DockerConfig))
        {
            findings.Add(Findings.ImageMediaTypeUnsupported("config", config));
        }

        foreach (var layer in (manifest.Layers ?? []).Where(l => !ImageMediaTypes.IsReadableLayer(l.MediaType)).DistinctBy(l => l.MediaType))
        {
            findings.Add(Findings.ImageMediaTypeUnsupported("layer", layer.MediaType ?? "(none)"));
        }

        return findings;
    }

    /// <summary>The platform the config names: Lambda execs the entrypoint on the function's CPU, under Linux.</summary>
    /// <param name="command">The start command's first word, to name it in the message as Lambda's error does.</param>
    public static IReadOnlyList<Finding> JudgePlatform(ImageConfiguration config, Architecture architecture, string? command = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var findings = new List<Finding>();
        if (config.OperatingSystem is { } os && os != "linux")
        {
            findings.Add(Findings.ImageNotLinux(os));
        }

        if (ArchitectureOf(config.Architecture) != architecture)
        {
            findings.Add(Findings.ImageWrongArch(config.Architecture ?? "(none)", architecture.ToApiName(), command));
        }

        return findings;
    }

    /// <summary>The start command once the function's ImageConfig is merged over the image's config.</summary>
    public static IReadOnlyList<Finding> JudgeStart(ContainerStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var findings = new List<Finding>();
        if (start.WorkingDirectory is { } directory && !directory.StartsWith('/'))
        {
            findings.Add(Findings.ImageWorkingDirectoryRelative(directory, start.WorkingDirectoryOverridden));
        }

        if (start.Argv.Count == 0 || start.Argv[0].Length == 0)
        {
            findings.Add(Findings.ImageNoCommand());
        }
        else if (start.EntryPoint.Count > 0 && start.EntryPoint[0] == AwsBaseEntrypoint && start.Argv.Count != 2)
        {
            // lambda-entrypoint.sh: `if [ $# -ne 1 ]; then echo "entrypoint requires the handler name to be the first argument" 1>&2; exit 142; fi`
            findings.Add(Findings.ImageHandlerArguments(start.Argv.Count - 1, start.CommandOverridden || start.EntryPointOverridden));
        }

        return findings;
    }

    /// <summary>
    /// A heuristic, so a warning: a container whose command starts a language interpreter (python, node, java...) runs
    /// a handler only through a runtime interface client. AWS's base images start <c>/lambda-entrypoint.sh</c> and set
    /// <c>LAMBDA_TASK_ROOT</c>; any other image must name the client in its command.
    /// </summary>
    /// <param name="executed">What the command's first word resolved to in the image, when it was found.</param>
    public static Finding? JudgeRuntimeClient(ContainerStart start, string? executed, ExecutableFacts? facts)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (start.Argv.Count == 0 || start.Argv[0] == AwsBaseEntrypoint || start.Variable("LAMBDA_TASK_ROOT") is not null ||
            start.Argv.Any(word => RuntimeClientMarkers.Any(marker => word.Contains(marker, StringComparison.OrdinalIgnoreCase))))
        {
            return null;
        }

        var program = (executed ?? start.Argv[0])[((executed ?? start.Argv[0]).LastIndexOf('/') + 1)..];
        var interpreter = facts?.Script?.Interpreter is { } shebang ? shebang[(shebang.LastIndexOf('/') + 1)..] : null;
        var named = LanguageInterpreters.FirstOrDefault(language => IsInterpreter(program, language) || interpreter is not null && IsInterpreter(interpreter, language));
        return named is null ? null : Findings.ImageNoRuntimeClient(string.Join(' ', start.Argv), named);
    }

    /// <summary><c>python3.12</c> is python; <c>nodejs</c> is node.</summary>
    private static bool IsInterpreter(string program, string language) =>
        program == language || program.StartsWith(language, StringComparison.Ordinal) && program[language.Length..].All(c => char.IsAsciiDigit(c) || c == '.');
}
