using Guard.Inspection.Executables;
using Guard.Inspection.Executables.Elf;

namespace Guard.Inspection.Rules;

/// <summary>Judges what an executable is against what the function's runtime and architecture can exec.</summary>
public static class ExecutableRules
{
    /// <summary>Lambda's working directory for <c>bootstrap</c> (<c>LAMBDA_TASK_ROOT</c>).</summary>
    private const string LambdaTaskRoot = "/var/task";

    /// <summary>
    /// Lambda's PATH on provided.al2023 and provided.al2, in order (the base images' Dockerfiles set
    /// <c>PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin</c>): where <c>#!/usr/bin/env NAME</c> looks for NAME.
    /// /var/task is not on it. A layer's <c>bin/</c> lands at /opt/bin.
    /// </summary>
    public static IReadOnlyList<string> LambdaPath { get; } = ["/var/lang/bin", "/usr/local/bin", "/usr/bin", "/bin", "/opt/bin"];

    /// <summary>Lambda's Go runtime client: before v1.18.0 (tagged 2020-07-15) <c>lambda.Start</c> served only go1.x's RPC.</summary>
    public const string AwsLambdaGo = "github.com/aws/aws-lambda-go";

    /// <param name="path">How messages name the file, e.g. <c>bootstrap</c>.</param>
    /// <param name="facts">What the file is.</param>
    /// <param name="runtime">The function's runtime.</param>
    /// <param name="architecture">The function's architecture.</param>
    /// <param name="catalog">Other runtimes, to suggest one whose glibc is new enough.</param>
    /// <param name="existsInPackages">Whether an absolute path (under /var/task or /opt) is shipped in the package or a layer;
    /// null when Guard did not read what holds it (a managed runtime's function code).</param>
    public static IReadOnlyList<Finding> Judge(
        string path,
        ExecutableFacts facts,
        RuntimeFacts runtime,
        Architecture architecture,
        RuntimeCatalog catalog,
        Func<string, bool?> existsInPackages)
    {
        var findings = new List<Finding>();
        var arch = architecture.ToApiName();
        switch (facts.Kind)
        {
            case ExecutableKind.Empty:
                findings.Add(Findings.BootstrapEmpty(path));
                break;
            case ExecutableKind.MachO:
                findings.Add(Findings.BootstrapForeignBinary(path, facts.Description ?? "Mach-O (macOS)", isMac: true, arch));
                break;
            case ExecutableKind.PortableExecutable:
                findings.Add(Findings.BootstrapForeignBinary(path, facts.Description ?? "PE (Windows)", isMac: false, arch));
                break;
            case ExecutableKind.Text:
                findings.Add(Findings.BootstrapNoShebang(path, byteOrderMark: false));
                break;
            case ExecutableKind.Unknown:
                findings.Add(Findings.BootstrapNotExecutableFormat(path, facts.Description ?? "binary data"));
                break;
            case ExecutableKind.Script when facts.Script is { } script:
                JudgeScript(path, script, runtime, existsInPackages, findings);
                break;
            case ExecutableKind.Elf when facts.Elf is { } elf:
                JudgeElf(path, elf, runtime, architecture, catalog, existsInPackages, findings);
                break;
        }

        return findings;
    }

    /// <summary>
    /// The absolute paths <see cref="Judge"/> will pass to its <c>existsInPackages</c> for <paramref name="facts"/>:
    /// an interpreter that only the package or a layer can provide. The caller looks them up first.
    /// </summary>
    public static IEnumerable<string> ShippedPathsAskedAbout(ExecutableFacts facts) => PathsAskedAbout(facts).Where(IsShippedPath);

    /// <summary>
    /// Every absolute path <see cref="Judge"/> may ask about for <paramref name="facts"/> (interpreter, the programs
    /// <c>#!/usr/bin/env</c> may run), shipped or not: a container image has them all in its own layers.
    /// </summary>
    public static IEnumerable<string> PathsAskedAbout(ExecutableFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var interpreter = facts.Kind switch
        {
            ExecutableKind.Script when facts.Script is { Problem: null, Interpreter.Length: > 0 } script => Resolve(script.Interpreter),
            ExecutableKind.Elf => facts.Elf?.Interpreter,
            _ => null,
        };
        var asked = new List<string>();
        if (interpreter is not null)
        {
            asked.Add(interpreter);
        }

        if (facts.Script is { Problem: null } envScript && IsEnv(envScript.Interpreter) && EnvProgram(envScript.Argument) is { } program)
        {
            asked.AddRange(Candidates(program));
        }

        return asked;
    }

    /// <summary>
    /// The program <c>#!/usr/bin/env ARGUMENT</c> runs, when Guard can tell: the kernel passes everything after the
    /// interpreter as one argument, so only a bare name (or <c>-S</c> followed by one) is a program env can find.
    /// Null for options, assignments and names with spaces, which Guard leaves unjudged.
    /// </summary>
    private static string? EnvProgram(string? argument)
    {
        if (argument is null)
        {
            return null;
        }

        if (argument.StartsWith("-S", StringComparison.Ordinal))
        {
            // env -S splits the one argument the kernel passed into words; the first word is the program.
            var words = argument[2..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return words.Length > 0 && IsPlainProgram(words[0]) ? words[0] : null;
        }

        return IsPlainProgram(argument) && !argument.Contains(' ', StringComparison.Ordinal) && !argument.Contains('\t', StringComparison.Ordinal) ? argument : null;
    }

    private static bool IsPlainProgram(string word) => word.Length > 0 && !word.StartsWith('-') && !word.Contains('=', StringComparison.Ordinal);

    private static bool IsEnv(string interpreter) => interpreter is "/usr/bin/env" or "/bin/env";

    /// <summary>Where env looks for <paramref name="program"/>: a name with a slash is opened as given (from /var/task); any other along <see cref="LambdaPath"/>.</summary>
    private static IEnumerable<string> Candidates(string program) =>
        program.Contains('/', StringComparison.Ordinal) ? [Resolve(program)] : LambdaPath.Select(directory => directory + "/" + program);

    private static string DirectoryOf(string path) => path.LastIndexOf('/') is > 0 and var slash ? path[..slash] : "/";

    /// <summary>What Guard knows of <paramref name="path"/> on the function's file system: there, missing, or unknown (null).</summary>
    private static bool? Exists(string path, RuntimeFacts runtime, Func<string, bool?> existsInPackages) =>
        IsShippedPath(path) ? existsInPackages(path)
        : runtime.HasFile(path) ? true
        : runtime.LacksFile(path) || runtime.ListsEveryFileIn(DirectoryOf(path)) ? false
        : null;

    /// <summary>Where the kernel finds a script's interpreter: a relative path is opened from the working directory, /var/task.</summary>
    private static string Resolve(string interpreter) =>
        interpreter.StartsWith('/') ? interpreter : RuntimePaths.CollapseDots(LambdaTaskRoot + "/" + interpreter);

    private static void JudgeScript(string path, ScriptFacts script, RuntimeFacts runtime, Func<string, bool?> existsInPackages, List<Finding> findings)
    {
        if (script.StartsWithByteOrderMark)
        {
            findings.Add(Findings.BootstrapNoShebang(path, byteOrderMark: true));
            return;
        }

        if (script.EndsWithCarriageReturn)
        {
            findings.Add(Findings.BootstrapCrlf(path, script.Interpreter));
            return;
        }

        if (script.Problem is { } problem)
        {
            findings.Add(Findings.BootstrapBadShebang(path, problem));
            return;
        }

        if (!script.Interpreter.StartsWith('/'))
        {
            // The kernel opens a relative interpreter from the process's working directory, which on Lambda is
            // the task root: "#!bin/sh" means /var/task/bin/sh.
            var resolved = Resolve(script.Interpreter);
            switch (existsInPackages(resolved))
            {
                case false:
                    findings.Add(Findings.BootstrapInterpreterRelative(path, script.Interpreter, resolved));
                    break;
                case null:
                    findings.Add(Findings.InterpreterInUnreadCode(path, resolved));
                    break;
            }

            return;
        }

        // An interpreter Guard cannot see (neither shipped nor among the image's catalogued files, in a directory the
        // catalog does not list in full) is only a warning: a false "broken" is worse than a miss.
        switch (Exists(script.Interpreter, runtime, existsInPackages))
        {
            case false:
                findings.Add(Findings.BootstrapInterpreterMissing(path, script.Interpreter, runtime.Name, isScript: true));
                return;
            case null:
                findings.Add(IsShippedPath(script.Interpreter)
                    ? Findings.InterpreterInUnreadCode(path, script.Interpreter)
                    : Findings.BootstrapInterpreterUnverified(path, script.Interpreter, runtime.Name));
                return;
        }

        if (IsEnv(script.Interpreter) && EnvProgram(script.Argument) is { } program)
        {
            var candidates = Candidates(program).ToArray();
            var known = candidates.Select(candidate => Exists(candidate, runtime, existsInPackages)).ToArray();
            if (known.Contains(true))
            {
                return;
            }

            findings.Add(known.Contains(null)
                ? Findings.BootstrapEnvProgramUnverified(path, program, runtime.Name, candidates)
                : Findings.BootstrapEnvProgramMissing(path, program, runtime.Name, candidates));
        }
    }

    private static void JudgeElf(
        string path,
        ElfFacts elf,
        RuntimeFacts runtime,
        Architecture architecture,
        RuntimeCatalog catalog,
        Func<string, bool?> existsInPackages,
        List<Finding> findings)
    {
        var arch = architecture.ToApiName();
        if (!architecture.Runs(elf))
        {
            var binary = elf.Machine is ElfFacts.MachineX8664 or ElfFacts.MachineAarch64 && elf.Is64Bit && elf.IsLittleEndian
                ? elf.MachineName
                : $"{(elf.Is64Bit ? "64" : "32")}-bit {(elf.IsLittleEndian ? string.Empty : "big-endian ")}{elf.MachineName}";
            findings.Add(Findings.BootstrapWrongArch(path, binary, arch, elf.IsGo));
            return;
        }

        if (elf.Problem is { } problem)
        {
            findings.Add(Findings.BootstrapCorrupt(path, problem));
            return;
        }

        if (elf.FileType is not (ElfFacts.TypeExecutable or ElfFacts.TypeSharedObject))
        {
            findings.Add(Findings.BootstrapNotExecutableFormat(path, elf.FileType == 1 ? "an ELF object file (.o), not a linked executable" : "an ELF file that is not an executable"));
            return;
        }

        if (elf.Interpreter is { } interpreter && !runtime.HasInterpreter(architecture, interpreter))
        {
            switch (IsShippedPath(interpreter) ? existsInPackages(interpreter) : false)
            {
                case false:
                    findings.Add(Findings.BootstrapInterpreterMissing(path, interpreter, runtime.Name, isScript: false));
                    break;
                case null:
                    findings.Add(Findings.InterpreterInUnreadCode(path, interpreter));
                    break;
            }
        }

        // The version the build required counts, replaced or not: a replacement by a directory records "(devel)", which
        // dates nothing, and a required v1.17.x means the author's go.mod never took the Runtime API client.
        if (!runtime.EntrypointIsHandler && elf.GoBuild?.Dependency(AwsLambdaGo) is { } client && GoModuleVersions.IsSurelyBefore(client.Version, 1, 18))
        {
            var evidence = elf.GoBuild.Format == GoBuildInfoFormat.Pointers ? "its build information (Go 1.13-1.17 layout)" : "its build information";
            findings.Add(Findings.GoRuntimeClientTooOld(path, client.Version, client.Replacement, runtime.Name, arch, evidence));
        }
        else if (!runtime.EntrypointIsHandler && elf.GoRpcOnlyClient is { } rpcEvidence)
        {
            findings.Add(Findings.GoRuntimeClientTooOld(path, "older than v1.18.0", null, runtime.Name, arch, rpcEvidence));
        }

        if (elf.GlibcRequired is { } required && required > runtime.Glibc)
        {
            var newer = catalog.Names
                .Select(catalog.Find)
                .Where(r => !r.EntrypointIsHandler && r.Glibc > runtime.Glibc && required <= r.Glibc && r.Architectures.Contains(architecture))
                .MaxBy(r => r.Glibc);
            findings.Add(Findings.BootstrapGlibcTooNew(path, required, runtime, elf.IsGo, newer?.Name));
        }
    }

    private static bool IsShippedPath(string path) =>
        path.StartsWith("/var/task/", StringComparison.Ordinal) || path.StartsWith("/opt/", StringComparison.Ordinal);
}
