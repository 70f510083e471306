using System.Globalization;
using System.Text.RegularExpressions;

namespace Guard.Inspection.Rules;

/// <summary>
/// Every finding Guard reports, with its message and its exact fix. Messages name the file and the fact;
/// hints name the command. Go gets its own build line because most custom-runtime functions are Go.
/// </summary>
public static partial class Findings
{
    /// <summary>How env fails when PATH has no such program (coreutils: "env: 'NAME': No such file or directory", exit 127).</summary>
    private const string EnvProgramNotFound = "env exits with 127";

    /// <summary>What glibc's ld.so prints when a versioned need meets a library without version definitions (glibc 2.34 to 2.36).</summary>
    private const string UnversionedLibraryAssertion =
        "Inconsistency detected by ld.so: dl-lookup.c: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!";

    private const string ZipContentsHint = "zip the file itself at the root: chmod 755 bootstrap && zip function.zip bootstrap";

    public static Finding ZipInvalid(string what, string why) => new(
        FindingCodes.ZipInvalid, Severity.Error,
        $"{what} is not a readable zip: {why}",
        $"rebuild the archive with a standard zip tool: {ZipContentsHint}");

    public static Finding ZipEncrypted(string what, string entry) => new(
        FindingCodes.ZipEncrypted, Severity.Error,
        $"{what} has an encrypted entry ({entry}); Lambda cannot extract it",
        "zip without a password (drop -e / --encrypt / -P)");

    public static Finding ZipUnsupportedCompression(string what, string entry, int method) => new(
        FindingCodes.ZipUnsupportedCompression, Severity.Error,
        $"{what} stores {entry} with compression method {method} ({CompressionName(method)}); Lambda extracts only stored and deflate entries",
        "recompress with deflate: zip -r -Z deflate function.zip . (7-Zip: -mm=Deflate)");

    public static Finding PackageTooLarge(long total, long limit) => new(
        FindingCodes.PackageTooLarge, Severity.Error,
        $"function and layers unzip to {total.ToString("N0", CultureInfo.InvariantCulture)} bytes; Lambda allows {limit.ToString("N0", CultureInfo.InvariantCulture)}",
        "drop what the function does not need (debug symbols: go build -ldflags='-s -w'; strip), move shared files to fewer layers, or deploy a container image (10 GB)");

    /// <summary>
    /// Lambda reads a REFERENCE function's code from the customer's object version whenever it starts an execution
    /// environment, and sets a function that lost its source Inactive; recovering it takes an update of the function.
    /// </summary>
    /// <param name="source">The object as <c>s3://bucket/key?versionId=…</c>.</param>
    /// <param name="why">S3's answer (<c>NoSuchVersion</c>, <c>NoSuchKey</c>, <c>NoSuchBucket</c>), and Lambda's own when it gave one.</param>
    public static Finding PackageSourceMissing(string source, string why) => new(
        FindingCodes.PackageSourceMissing, Severity.Error,
        $"the function runs its code from {source} (S3ObjectStorageMode REFERENCE: Lambda keeps no copy), and that object version no longer exists ({why}): the function cannot start its next execution environment, and Lambda sets a function whose source is gone Inactive",
        "upload the package again and point the function at the new version: aws lambda update-function-code --function-name NAME --s3-bucket BUCKET --s3-key KEY --s3-object-version VERSION --s3-object-storage-mode REFERENCE; keep lifecycle rules (NoncurrentVersionExpiration) and clean-up jobs away from versions a function references");

    public static Finding RuntimeDeprecated(RuntimeFacts runtime, string? architecture = null)
    {
        var blocked = (runtime.BlockCreate, runtime.BlockUpdate) switch
        {
            ({ } create, { } update) => $"; creating functions on it is blocked from {Dated(runtime, c => c.BlockCreate, create)}, updating them from {Dated(runtime, c => c.BlockUpdate, update)}",
            _ => string.Empty,
        };
        return new(
            FindingCodes.RuntimeDeprecated, Severity.Warning,
            $"{runtime.Name} is deprecated since {Dated(runtime, c => c.Deprecated, runtime.Deprecated!.Value)}{blocked}",
            MoveOffHint(runtime, architecture));
    }

    /// <summary>
    /// Lambda refuses the deploy itself: CreateFunction (and, once updates are blocked, UpdateFunctionCode and
    /// UpdateFunctionConfiguration) fail with InvalidParameterValueException. For a gate before deploy that is an error.
    /// </summary>
    public static Finding RuntimeDeployBlocked(RuntimeFacts runtime, DateOnly today, string? architecture = null)
    {
        var create = Dated(runtime, c => c.BlockCreate, runtime.BlockCreate!.Value);
        var refused = runtime.IsUpdateBlockedOn(today)
            ? $"Lambda refuses to create functions on {runtime.Name} since {create} and to update them since {Dated(runtime, c => c.BlockUpdate, runtime.BlockUpdate!.Value)}: this deploy fails"
            : $"Lambda refuses to create functions on {runtime.Name} since {create}: a deploy that creates this function fails" +
              (runtime.BlockUpdate is { } update ? $"; updates of an existing one are refused from {Dated(runtime, c => c.BlockUpdate, update)}" : string.Empty);
        return new(FindingCodes.RuntimeDeployBlocked, Severity.Error, refused, MoveOffHint(runtime, architecture));
    }

    /// <summary>A Runtime Lambda's API does not accept (CreateFunction fails with a validation error before any code is looked at).</summary>
    public static Finding RuntimeUnknown(string runtime, string nearest) => new(
        FindingCodes.RuntimeUnknown, Severity.Error,
        $"Runtime {runtime} is not a runtime Lambda knows: the deploy fails with a validation error (did you mean {nearest}?)",
        $"set Runtime: {nearest}");

    private static string MoveOffHint(RuntimeFacts runtime, string? architecture)
    {
        var successor = runtime.Successor ?? "provided.al2023";
        var goArch = GoArch(architecture ?? ArchitectureNames.X8664);
        return runtime.EntrypointIsHandler
            ? $"move to {successor}: build the executable as bootstrap (GOOS=linux GOARCH={goArch} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .), zip it at the root, set Runtime: {successor} and Handler: bootstrap (guard migrate does this)"
            : $"set Runtime: {successor} (glibc 2.34); rebuild first if the binary links glibc dynamically";
    }

    /// <summary>
    /// A lifecycle date with the source that gives it and every source that says otherwise: AWS's own pages, cfn-lint
    /// and Guard's first contract have disagreed, and a reader deciding whether to trust a gate must see that.
    /// </summary>
    private static string Dated(RuntimeFacts runtime, Func<LifecycleClaim, DateOnly?> date, DateOnly earliest)
    {
        var claims = (runtime.Lifecycle ?? []).Where(c => date(c) is not null).ToArray();
        var saying = claims.Where(c => date(c) == earliest).Select(c => c.Source).ToArray();
        var others = claims.Where(c => date(c) != earliest).Select(c => $"{c.Source} says {Iso(date(c)!.Value)}").ToArray();
        if (saying.Length == 0)
        {
            return Iso(earliest);
        }

        return others.Length == 0
            ? $"{Iso(earliest)} ({string.Join(", ", saying)})"
            : $"{Iso(earliest)} ({string.Join(", ", saying)}; {string.Join("; ", others)}; Guard takes the earliest)";
    }

    /// <summary>
    /// Never "set Handler: bootstrap": Lambda hands Handler to bootstrap as <c>_HANDLER</c>, and script runtimes (a shell
    /// bootstrap, Bref) dispatch on it, so changing it would break a function that works.
    /// </summary>
    public static Finding HandlerIgnored(string runtime, string handler) => new(
        FindingCodes.HandlerIgnored, Severity.Info,
        $"{runtime} does not exec Handler '{handler}': Lambda runs bootstrap and passes Handler to it as $_HANDLER",
        "nothing to change if bootstrap reads $_HANDLER (shell and other script runtimes do); otherwise Handler is only a label");

    public static Finding Placeholder(string what) => new(
        FindingCodes.Placeholder, Severity.Info,
        $"the package is a placeholder ({what}); Guard judges the real code when it arrives");

    public static Finding PlaceholderOverGood(string what, string goodSha256) => new(
        FindingCodes.PlaceholderOverGood, Severity.Error,
        $"a placeholder ({what}) replaced code that was good (CodeSha256 {goodSha256}): the function no longer runs your code",
        "deploy the real package again; if a pipeline re-applies infrastructure after the code deploy, make it ignore code changes (Terraform: lifecycle { ignore_changes = [filename, s3_key, source_code_hash] })");

    /// <param name="candidateBuiltFor">
    /// The first candidate's CPU when its ELF header names another than <paramref name="architecture"/> (Lambda's name
    /// where it has one: arm64, x86_64): renamed as it is, it would fail with exec format error.
    /// </param>
    public static Finding BootstrapMissing(string entrypoint, string runtime, IReadOnlyList<string> candidates, string? handler, string architecture = ArchitectureNames.X8664, string? candidateBuiltFor = null)
    {
        var message = $"no {entrypoint} at the root of the package nor of any layer: Lambda fails with Runtime.InvalidEntrypoint (Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap])";
        if (entrypoint != "bootstrap")
        {
            message = $"the Handler names {entrypoint}, which is not in the package: {runtime} cannot start it";
        }

        var hint = candidates.Count switch
        {
            0 => entrypoint == "bootstrap"
                ? $"build the executable as bootstrap (Go: GOOS=linux GOARCH={GoArch(architecture)} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .) and zip it at the root: zip function.zip bootstrap"
                : $"build the executable as {entrypoint} and zip it at the root",
            _ when entrypoint != "bootstrap" && candidates.Contains("bootstrap") =>
                $"the package is built for a custom runtime (it has bootstrap): set Runtime: provided.al2023 and Handler: bootstrap",
            _ when candidateBuiltFor is not null =>
                $"{candidates[0]} looks like the {entrypoint} under another name, but it is built for {candidateBuiltFor}, not {architecture}: rebuild it for {architecture} as {entrypoint} (Go: GOOS=linux GOARCH={GoArch(architecture)} go build -o {entrypoint} .) and zip it at the root"
                 + (candidateBuiltFor is ArchitectureNames.X8664 or ArchitectureNames.Arm64 ? $", or rename it and set Architectures: [{candidateBuiltFor}]" : string.Empty)
                 + OtherCandidates(candidates),
            _ => $"rename {candidates[0]} to {entrypoint} (Go: GOOS=linux GOARCH={GoArch(architecture)} go build -o {entrypoint} .) and zip it at the root{(handler is not null && candidates[0] == handler && entrypoint == "bootstrap" ? "; custom runtimes ignore Handler" : string.Empty)}"
                 + OtherCandidates(candidates),
        };
        return new(FindingCodes.BootstrapMissing, Severity.Error, message, hint);

        static string OtherCandidates(IReadOnlyList<string> candidates) =>
            candidates.Count > 1 ? $" (other executables: {string.Join(", ", candidates.Skip(1).Take(4))})" : string.Empty;
    }

    public static Finding BootstrapNested(string nestedPath)
    {
        var folder = nestedPath[..nestedPath.LastIndexOf('/')];
        return new(
            FindingCodes.BootstrapNested, Severity.Error,
            $"bootstrap is at {nestedPath}, not at the root: the folder was zipped instead of its contents",
            $"zip the folder's contents: (cd {folder} && zip -r ../function.zip .)");
    }

    public static Finding BootstrapIsDirectory(string path) => new(
        FindingCodes.BootstrapNotFile, Severity.Error,
        $"{path} is a directory, not an executable file",
        "build the executable to a file named bootstrap (go build -o bootstrap .), not into a folder named bootstrap");

    public static Finding BootstrapSymlinkUnresolved(string path, string target, string why) => new(
        FindingCodes.BootstrapNotFile, Severity.Error,
        $"{path} is a symlink to {target}, which {why}",
        "zip the executable itself (zip without -y / --symlinks), or include the link's target");

    public static Finding BootstrapSkipped(string path, string? danglingTarget, string used) => new(
        FindingCodes.BootstrapSkipped, Severity.Warning,
        danglingTarget is null
            ? $"{path} is a directory: Lambda skips it and runs {used}"
            : $"{path} is a symlink to {danglingTarget}, which is not in the package or its layers: Lambda skips it and runs {used}",
        $"drop {path} from the package (or rename it) so what runs is plain to see");

    public static Finding BootstrapLinksToRuntimeFile(string path, string target, string resolved, string runtime) => new(
        FindingCodes.BootstrapLinksToRuntimeFile, Severity.Info,
        $"{path} is a symlink to {target} ({resolved}), a file {runtime} itself has: Lambda runs it; Guard does not judge the runtime's own files");

    public static Finding BootstrapLinksToNonExecutable(string path, string target, string resolved, string runtime, int mode) => new(
        FindingCodes.BootstrapNotExecutable, Severity.Error,
        $"{path} is a symlink to {target} ({resolved}), which {runtime}'s image has with mode {Octal(mode)}, no execute bit for others: Lambda picks it (it exists and is not a directory), " +
            $"then exec fails with fork/exec {(path.StartsWith('/') ? path : "/var/task/" + path)}: permission denied (Runtime.InvalidEntrypoint)",
        "zip the executable itself as bootstrap (zip without -y / --symlinks), or link to a program the image runs, e.g. /bin/sh, or to one in the package or a layer");

    public static Finding BootstrapLinkUnverified(string path, string target, string resolved, string runtime, string? fallback) => new(
        FindingCodes.BootstrapLinkUnverified, Severity.Warning,
        $"{path} is a symlink to {target} ({resolved}), outside the package and its layers: Guard cannot tell whether {runtime} has it; if not, "
            + (fallback is null ? "Lambda fails with Runtime.InvalidEntrypoint (Couldn't find valid bootstrap(s))" : $"Lambda skips it and runs {fallback}"),
        "zip the executable itself (zip without -y / --symlinks), or link to a file in the package or a layer");

    /// <param name="evidence">What showed it: "its build information", or the strings of a binary without module information.</param>
    public static Finding GoRuntimeClientTooOld(string path, string version, string? replacement, string runtime, string architecture, string evidence = "its build information") => new(
        FindingCodes.GoRuntimeClientTooOld, Severity.Error,
        $"{path} is built with github.com/aws/aws-lambda-go {version}{(replacement is null ? string.Empty : $" (replaced by {replacement})")}, which speaks only go1.x's RPC protocol: "
            + $"on {runtime} it never calls the Runtime API, so the function fails at init (timeout) and never runs; the Runtime API client came in v1.18.0 (evidence: {evidence})",
        $"go get github.com/aws/aws-lambda-go@latest && go mod tidy, then rebuild: GOOS=linux GOARCH={GoArch(architecture)} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .");

    public static Finding BootstrapNoUnixMode(string path) => new(
        FindingCodes.BootstrapNotExecutable, Severity.Error,
        $"the archive records no Unix permissions for {path} (made on Windows?): Lambda extracts it without the execute bit and fails with permission denied",
        "zip on Linux/macOS/WSL after chmod 755 bootstrap, or on Windows use build-lambda-zip (go install github.com/aws/aws-lambda-go/cmd/build-lambda-zip@latest)");

    public static Finding BootstrapNotExecutable(string path, int mode, bool needsRead) => new(
        FindingCodes.BootstrapNotExecutable, Severity.Error,
        needsRead
            ? $"{path} has mode {Octal(mode)}: Lambda runs it as a user that owns nothing in the package, so others need read and execute (0755); it fails with permission denied"
            : $"{path} has mode {Octal(mode)}: Lambda runs it as a user that owns nothing in the package, so others need execute (0755); it fails with permission denied",
        $"chmod 755 {PathInItsZip(path)} before zipping (zip keeps the mode)");

    public static Finding BootstrapEmpty(string path) => new(
        FindingCodes.BootstrapEmpty, Severity.Error,
        $"{path} is empty (0 bytes)",
        "the build wrote nothing: check the build step's output and rebuild");

    public static Finding BootstrapForeignBinary(string path, string description, bool isMac, string architecture) => new(
        FindingCodes.BootstrapWrongOs, Severity.Error,
        $"{path} is a {description} executable, not a Linux one: Lambda fails with exec format error",
        $"build for Linux: GOOS=linux GOARCH={GoArch(architecture)} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap . ({(isMac ? "on macOS" : "on Windows")} the default GOOS is {(isMac ? "darwin" : "windows")}; Rust: cargo lambda build{(architecture == ArchitectureNames.Arm64 ? " --arm64" : string.Empty)})");

    public static Finding BootstrapNotExecutableFormat(string path, string what) => new(
        FindingCodes.BootstrapWrongOs, Severity.Error,
        $"{path} is {what}, neither a Linux executable (ELF) nor a script: Lambda fails with exec format error",
        "bootstrap must be the built Linux executable (GOOS=linux go build -o bootstrap .) or a script starting with #!/bin/sh");

    public static Finding BootstrapWrongArch(string path, string binary, string architecture, bool isGo)
    {
        var other = architecture == ArchitectureNames.Arm64 ? ArchitectureNames.X8664 : ArchitectureNames.Arm64;
        var rebuild = isGo
            ? $"rebuild with GOOS=linux GOARCH={GoArch(architecture)} CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ."
            : $"rebuild for {(architecture == ArchitectureNames.Arm64 ? "aarch64-unknown-linux-gnu (cargo lambda build --arm64; dotnet publish -r linux-arm64)" : "x86_64-unknown-linux-gnu (cargo lambda build --x86-64; dotnet publish -r linux-x64)")}";
        var switchArch = binary is "x86_64" or "aarch64" ? $", or set Architectures: [{other}]" : string.Empty;
        return new(
            FindingCodes.BootstrapWrongArch, Severity.Error,
            $"{path} is {Article(binary)} {binary} executable but the function runs on {architecture}: Lambda fails with exec format error",
            rebuild + switchArch);
    }

    public static Finding BootstrapGlibcTooNew(string path, Version required, RuntimeFacts runtime, bool isGo, string? newerRuntimeWithEnough)
    {
        var fix = isGo
            ? "build with CGO_ENABLED=0 (a static Go binary needs no glibc)"
            : $"build against glibc {runtime.Glibc} or older (build on {runtime.OperatingSystem}, e.g. in public.ecr.aws/sam/build-{runtime.Name}; Rust: cargo lambda build), or link statically";
        if (newerRuntimeWithEnough is not null)
        {
            fix += $", or move the function to {newerRuntimeWithEnough}";
        }

        return new(
            FindingCodes.BootstrapGlibcTooNew, Severity.Error,
            $"{path} needs GLIBC_{required} but {runtime.Name} has glibc {runtime.Glibc}: it fails at start with version `GLIBC_{required}' not found",
            fix);
    }

    public static Finding LibraryMissing(string path, LibraryResolution.Missing missing, RuntimeFacts runtime)
    {
        ArgumentNullException.ThrowIfNull(missing);
        ArgumentNullException.ThrowIfNull(runtime);
        var through = missing.NeededBy == path || missing.NeededBy.EndsWith("/" + path, StringComparison.Ordinal) ? string.Empty : $" (through {missing.NeededBy})";
        if (missing.SoName.Contains('/', StringComparison.Ordinal))
        {
            return LibraryPathMissing(path, through, missing, runtime);
        }

        var searched = missing.Searched.Count > 0 ? $"searched {string.Join(", ", missing.Searched)}" : "searched the package and layers";
        var message = $"{path} needs {missing.SoName}{through}, which is nowhere ld.so looks ({searched}) and not in {runtime.Name}'s image ({missing.Absent.Why}): " +
            $"it stops at start with error while loading shared libraries: {missing.SoName}: cannot open shared object file";
        if (missing.Unusable.Count > 0)
        {
            message += $"; passed over: {string.Join(", ", missing.Unusable)}";
        }

        if (missing.ShippedElsewhere.Count > 0)
        {
            message += $"; the copy shipped at {string.Join(", ", missing.ShippedElsewhere)} is in a folder neither the function's LD_LIBRARY_PATH nor an RPATH names";
        }

        var hint = missing.ShippedElsewhere.Count > 0
            ? $"move {PathInItsZip(missing.ShippedElsewhere[0])} to lib/ (on Lambda's LD_LIBRARY_PATH as /var/task/lib, or /opt/lib from a layer), link with -Wl,-rpath,'$ORIGIN/{RelativeDirectory(missing.ShippedElsewhere[0])}', or add {missing.ShippedElsewhere[0][..missing.ShippedElsewhere[0].LastIndexOf('/')]} to the function's LD_LIBRARY_PATH"
            : missing.Absent.Fix ?? LibraryFix(missing.SoName, runtime);

        // A copy built for the other CPU is where it should be; only its build is wrong, so that comes first.
        var wrongCpu = missing.Unusable.Where(u => u.Contains(" (built for ", StringComparison.Ordinal)).Select(u => PathInItsZip(u[..u.IndexOf(" (built for ", StringComparison.Ordinal)])).ToArray();
        if (wrongCpu.Length > 0)
        {
            hint = $"rebuild {string.Join(", ", wrongCpu)} for the function's architecture (the same toolchain and target as bootstrap) and ship it in the same place; or {hint}";
        }

        return new(FindingCodes.BootstrapLibraryMissing, Severity.Error, message, hint);
    }

    /// <summary>
    /// A DT_NEEDED with a slash (<c>/opt/vendor/libabs.so</c>): ld.so opens that path as is and searches no directory, so
    /// moving the file into lib/ or naming a folder in LD_LIBRARY_PATH does not help; only that path, or a relink with a
    /// plain soname, does.
    /// </summary>
    private static Finding LibraryPathMissing(string path, string through, LibraryResolution.Missing missing, RuntimeFacts runtime)
    {
        var opened = missing.OpenedAsIs ?? missing.SoName;
        var fileName = opened[(opened.LastIndexOf('/') + 1)..];
        var message = $"{path} needs {missing.SoName}{through}, a DT_NEEDED path that ld.so opens as is, searching no directory, and {(missing.OpenedAsIs is null ? $"{runtime.Name}'s image has no file there ({missing.Absent.Why})" : missing.Absent.Why)}: " +
            $"it stops at start with error while loading shared libraries: {missing.SoName}: cannot open shared object file";
        if (missing.Unusable.Count > 0)
        {
            message += $"; passed over: {string.Join(", ", missing.Unusable)}";
        }

        if (missing.ShippedElsewhere.Count > 0)
        {
            message += $"; the copy shipped at {string.Join(", ", missing.ShippedElsewhere)} is never looked at";
        }

        var needing = PathInItsZip(missing.NeededBy);
        var relink = $"relink with a plain soname so Lambda's library path finds it: give the library -Wl,-soname,{fileName} and link it as -L<its folder> -l:{fileName} " +
            $"(or patch the built file: patchelf --replace-needed {missing.SoName} {fileName} {needing}), and ship {fileName} in the package's lib/ folder (/var/task/lib) or a layer's lib/ (/opt/lib)";
        var hint = opened.StartsWith("/opt/", StringComparison.Ordinal)
            ? $"ship {fileName} in a layer at {PathInItsZip(opened)} (layers are extracted to /opt, so that zip entry becomes {opened}), or {relink}"
            : opened.StartsWith("/var/task/", StringComparison.Ordinal)
                ? $"ship {fileName} in the package at {PathInItsZip(opened)}, or {relink}"
                : relink;
        return new(FindingCodes.BootstrapLibraryMissing, Severity.Error, message, hint);
    }

    /// <param name="searchPathsKnown">Whether the function's LD_LIBRARY_PATH is known: without it, a shipped copy the image's
    /// shadows on the default path might still come first, so that case is only a warning.</param>
    public static Finding LibraryVersionMissing(string path, string needingPath, LibraryResolution provider, IReadOnlyList<string> versions, RuntimeFacts runtime, bool searchPathsKnown)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(runtime);
        var (providerPath, described) = provider switch
        {
            LibraryResolution.InImage image => (image.Library.Path, $"{runtime.Name}'s {image.Library.Path} ({image.Library.Package})"),
            LibraryResolution.Shipped shipped => (shipped.Path, $"the shipped {shipped.Path}"),
            _ => (provider.SoName, provider.SoName),
        };
        var needing = needingPath == path || needingPath.EndsWith("/" + path, StringComparison.Ordinal) ? path : $"{needingPath} (loaded for {path})";
        var ordered = versions.OrderByDescending(VersionNumber).ThenByDescending(v => v, StringComparer.Ordinal).ToArray();
        var listed = string.Join(", ", ordered);
        var failure = $"{providerPath}: version `{ordered[0]}' not found (required by {needingPath})";
        if (provider is LibraryResolution.Shipped { Facts.VersionDefinitions: null } unversioned)
        {
            // glibc's ld.so on a versioned need of a library with no .gnu.version_d: a warning, then an assertion that
            // kills the process with exit status 127 before main (check_match in elf/dl-lookup.c).
            return new(
                FindingCodes.BootstrapLibraryVersionMissing, Severity.Error,
                $"{needing} needs {listed} from {provider.SoName}, but the shipped {unversioned.Path} defines no symbol versions (no .gnu.version_d): ld.so prints " +
                $"{unversioned.Path}: no version information available (required by {needingPath}), then stops at start with {UnversionedLibraryAssertion} (exit status 127)",
                $"ship the build of {provider.SoName} the program was linked against (readelf -V {PathInItsZip(unversioned.Path)} must list {ordered[0]} under .gnu.version_d; build it with its version script), " +
                $"or relink {PathInItsZip(needingPath)} against the shipped copy so it asks for no versions from it");
        }

        var shadowedCopy = provider is LibraryResolution.InImage { Shadowed: [var first, ..] } ? first : null;
        if (shadowedCopy is not null && !searchPathsKnown)
        {
            // The function may set LD_LIBRARY_PATH itself (Lambda lets it), and then its copy can come first: only a warning.
            return new(
                FindingCodes.BootstrapLibraryUnverified, Severity.Warning,
                $"{needing} needs {listed} from {provider.SoName}; on Lambda's default LD_LIBRARY_PATH ld.so loads {described}, which does not define it, " +
                $"before the copy shipped at {shadowedCopy} (/lib64 and /usr/lib64 precede /var/task/lib): unless the function's LD_LIBRARY_PATH puts that folder first, it stops at start with {failure}",
                $"link with -Wl,--disable-new-dtags,-rpath,'$ORIGIN/{RelativeDirectory(shadowedCopy)}' so DT_RPATH finds the shipped copy before LD_LIBRARY_PATH, or {LibraryFix(provider.SoName, runtime)}");
        }

        var shadowedHint = shadowedCopy is not null
            ? $"the copy shipped at {shadowedCopy} is never loaded, as the image's comes first: link with -Wl,--disable-new-dtags,-rpath,'$ORIGIN/{RelativeDirectory(shadowedCopy)}' so DT_RPATH finds it before LD_LIBRARY_PATH, put its folder first in the function's LD_LIBRARY_PATH, or "
            : string.Empty;
        return new(
            FindingCodes.BootstrapLibraryVersionMissing, Severity.Error,
            $"{needing} needs {listed} from {provider.SoName}, which {described} does not define: ld.so stops at start with {failure}",
            shadowedHint + LibraryFix(provider.SoName, runtime));
    }

    /// <summary>How the unverified warning names an unknown library: where a copy is shipped off the default path, and the rpath that reaches it.</summary>
    public static string UnverifiedLibrary(LibraryResolution.Unknown unknown)
    {
        ArgumentNullException.ThrowIfNull(unknown);
        var passedOver = unknown.Unusable.Count > 0 ? $"; passed over: {string.Join(", ", unknown.Unusable)}" : string.Empty;
        return unknown.ShippedElsewhere.Count == 0
            ? unknown.SoName + (passedOver.Length > 0 ? $" ({passedOver[2..]})" : string.Empty)
            : $"{unknown.SoName} (shipped at {string.Join(", ", unknown.ShippedElsewhere)}, off Lambda's default LD_LIBRARY_PATH: found only if the function's LD_LIBRARY_PATH names " +
              $"that folder; or move {PathInItsZip(unknown.ShippedElsewhere[0])} to lib/, or link with -Wl,-rpath,'$ORIGIN/{RelativeDirectory(unknown.ShippedElsewhere[0])}'{passedOver})";
    }

    public static Finding LibraryUnverified(string path, IReadOnlyList<string> needs, string runtime)
    {
        ArgumentNullException.ThrowIfNull(needs);
        return new(
            FindingCodes.BootstrapLibraryUnverified, Severity.Warning,
            $"{path} needs {string.Join(", ", needs)}, which ld.so does not find on Lambda's default library path and Guard's catalog of {runtime}'s image does not settle: Guard cannot tell; " +
            "if the image lacks one, ld.so stops at start with cannot open shared object file (or version not found)",
            "ship the library in the package's lib/ folder (on Lambda's LD_LIBRARY_PATH as /var/task/lib; a layer's lib/ is /opt/lib), or link it statically");
    }

    /// <summary>The number a version tag ends in (<c>GLIBCXX_3.4.30</c>: 3.4.30), so 3.4.30 sorts above 3.4.9.</summary>
    private static Version VersionNumber(string tag) =>
        ImageLibraryVersions.TryParseDotted(tag[(tag.LastIndexOf('_') + 1)..], out var number) ? number : new Version();

    /// <summary>The fix for a library the runtime's image lacks (or has too old), by what it is.</summary>
    private static string LibraryFix(string soName, RuntimeFacts runtime)
    {
        var build = $"build on {runtime.OperatingSystem} (e.g. in public.ecr.aws/sam/build-{runtime.Name}) so it links against the image's own libraries";
        if (soName.StartsWith("libssl.", StringComparison.Ordinal) || soName.StartsWith("libcrypto.", StringComparison.Ordinal))
        {
            return "Rust: build OpenSSL in (the openssl crate's vendored feature: openssl = { version = \"0.10\", features = [\"vendored\"] }) or drop it for rustls " +
                $"(reqwest: default-features = false, features = [\"rustls-tls\"]); otherwise ship {soName} in lib/ or {build}";
        }

        if (soName.StartsWith("libstdc++.", StringComparison.Ordinal) || soName.StartsWith("libgcc_s.", StringComparison.Ordinal))
        {
            return $"link the C++ runtime statically (g++ -static-libstdc++ -static-libgcc; Rust cc builds: the same in RUSTFLAGS), or {build}";
        }

        if (soName.StartsWith("libicu", StringComparison.Ordinal))
        {
            return $"ship all of ICU's libraries of that version (libicuuc, libicui18n, libicudata) in the package's lib/ folder or a layer's lib/, or for .NET set <InvariantGlobalization>true</InvariantGlobalization> (DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1), or {build}";
        }

        return $"link {soName} statically, ship it in the package's lib/ folder (on Lambda's LD_LIBRARY_PATH as /var/task/lib; a layer's lib/ is /opt/lib), or {build}";
    }

    /// <summary>The directory of a shipped path relative to its package root, for an $ORIGIN rpath: /var/task/libs/x.so is libs.</summary>
    private static string RelativeDirectory(string path)
    {
        var relative = PathInItsZip(path);
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "." : relative[..slash];
    }

    public static Finding BootstrapInterpreterMissing(string path, string interpreter, string runtime, bool isScript)
    {
        var musl = interpreter.Contains("musl", StringComparison.Ordinal);
        var hint = (isScript, musl) switch
        {
            (true, _) => $"use an interpreter the runtime has (#!/bin/sh or #!/bin/bash), or ship it in the package or a layer",
            (false, true) => "musl is not on Lambda's runtimes: link statically (x86_64-unknown-linux-musl with RUSTFLAGS='-C target-feature=+crt-static'; Go: CGO_ENABLED=0) or build against glibc",
            _ => "link statically, or build on the runtime's OS so the binary asks for its loader",
        };
        return new(
            FindingCodes.BootstrapInterpreterMissing, Severity.Error,
            $"{path} needs the interpreter {interpreter}, which {runtime} does not have: exec fails with no such file or directory",
            hint);
    }

    public static Finding BootstrapInterpreterUnverified(string path, string interpreter, string runtime) => new(
        FindingCodes.BootstrapInterpreterUnverified, Severity.Warning,
        $"{path}'s #! names {interpreter}, which is not in the package or its layers and not among the files Guard knows {runtime}'s image has: Guard cannot tell; if {runtime} lacks it, exec fails with no such file or directory",
        "ship the interpreter in a layer and name its /opt path (a layer's bin/python3 is /opt/bin/python3), or use #!/bin/sh; provided.* images carry no language runtimes of their own");

    /// <summary>An interpreter in the function's own code, which Guard does not read on a managed runtime (<see cref="InspectionRequest.LayersOnly"/>).</summary>
    public static Finding InterpreterInUnreadCode(string path, string interpreter) => new(
        FindingCodes.BootstrapInterpreterUnverified, Severity.Warning,
        $"{path} is run by {interpreter}, in the function's own code, which Guard does not read on a managed runtime: Guard cannot tell whether it is there; if not, exec fails with no such file or directory",
        "ship the interpreter in the layer (a layer's bin/ is /opt/bin), so the extension does not depend on the code of each function that takes the layer");

    public static Finding BootstrapEnvProgramUnverified(string path, string program, string runtime, IReadOnlyList<string> searched) => new(
        FindingCodes.BootstrapInterpreterUnverified, Severity.Warning,
        $"{path} runs #!/usr/bin/env {program}, and no layer ships {program} where env looks ({string.Join(", ", searched.Where(p => p.StartsWith("/opt/", StringComparison.Ordinal)).DefaultIfEmpty(searched[0]))}); Guard cannot tell whether {runtime}'s image has it on PATH: if not, {EnvProgramNotFound} (env: '{program}': No such file or directory) and the process fails at start",
        $"ship {program} in a layer's bin/ folder (it lands in /opt/bin, which is on Lambda's PATH), or start the script with #!/bin/sh");

    public static Finding BootstrapEnvProgramMissing(string path, string program, string runtime, IReadOnlyList<string> searched) => new(
        FindingCodes.BootstrapInterpreterMissing, Severity.Error,
        $"{path} runs #!/usr/bin/env {program}, but no {program} is on Lambda's PATH ({string.Join(", ", searched)}): not in {runtime}'s image nor in a layer's bin/, so {EnvProgramNotFound} (env: '{program}': No such file or directory) and the process exits at start (for bootstrap, Runtime.ExitError)",
        $"ship {program} in a layer's bin/ folder (it lands in /opt/bin, which is on Lambda's PATH), or start the script with #!/bin/sh");

    public static Finding BootstrapInterpreterRelative(string path, string interpreter, string resolved) => new(
        FindingCodes.BootstrapInterpreterMissing, Severity.Error,
        $"{path}'s #! names the relative path {interpreter}, which Linux resolves from the working directory /var/task: {resolved} is not in the package, so exec fails with no such file or directory",
        $"give the interpreter's absolute path, e.g. #!/{interpreter.TrimStart('.', '/')}");

    public static Finding BootstrapNoShebang(string path, bool byteOrderMark) => new(
        FindingCodes.BootstrapNoShebang, Severity.Error,
        byteOrderMark
            ? $"{path} starts with a UTF-8 byte order mark before #!, so Linux does not see the shebang: exec fails with exec format error"
            : $"{path} is a text file without #!: Linux cannot exec it (exec format error)",
        byteOrderMark
            ? "save the script as UTF-8 without BOM (sed -i '1s/^\\xEF\\xBB\\xBF//' bootstrap)"
            : "start the script with #!/bin/sh, or make bootstrap the built executable");

    public static Finding BootstrapBadShebang(string path, string problem) => new(
        FindingCodes.BootstrapNoShebang, Severity.Error,
        $"{path}'s #! line is unusable: {problem}",
        "start the script with a complete interpreter path, e.g. #!/bin/sh");

    public static Finding BootstrapCrlf(string path, string interpreter) => new(
        FindingCodes.BootstrapCrlf, Severity.Error,
        $"{path}'s shebang line ends in \\r (Windows line endings): Linux looks for '{interpreter}\\r' and exec fails with no such file or directory",
        "convert to LF: dos2unix bootstrap (and add 'bootstrap text eol=lf' to .gitattributes)");

    public static Finding BootstrapCorrupt(string path, string problem) => new(
        FindingCodes.BootstrapWrongOs, Severity.Error,
        $"{path} is a damaged ELF file ({problem}): Lambda fails with exec format error",
        "rebuild the binary; check that the build finished and nothing truncated it");

    /// <summary>
    /// What a rule found about a bootstrap, said of a layer's extension: the extension code, the layer named, and
    /// what Lambda then reports. Exec failures (mode, format, machine, interpreter) are <c>Extension.LaunchError</c>
    /// (<c>fork/exec /opt/extensions/NAME: permission denied</c>); a process that starts and dies before registering
    /// (ld.so refusing the glibc version, env finding no program) is <c>Extension.Crash</c>. Null for a finding that does not apply to an
    /// extension (an extension does not speak the Runtime API, so the Go client's age does not matter).
    /// </summary>
    /// <param name="finding">What the shared rules reported about <paramref name="path"/>.</param>
    /// <param name="layer">The layer's name: its ARN for a deployed function.</param>
    /// <param name="path">The extension, e.g. <c>/opt/extensions/telemetry</c>.</param>
    public static Finding? ForExtension(Finding finding, string layer, string path)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(path);
        if (finding.Code == FindingCodes.GoRuntimeClientTooOld)
        {
            return null;
        }

        if (FindingCodes.ExtensionCodeFor(finding.Code) is not { } code)
        {
            return finding;
        }

        // env itself starts, so a program it cannot find is a process that exits, not one that never launched.
        // ld.so failures happen after exec succeeds, in the started process.
        var started = finding.Code is FindingCodes.BootstrapGlibcTooNew or FindingCodes.BootstrapLibraryMissing or FindingCodes.BootstrapLibraryVersionMissing or FindingCodes.BootstrapLibraryUnverified ||
            finding.Message.Contains(EnvProgramNotFound, StringComparison.Ordinal);
        var errorType = started ? "Extension.Crash" : "Extension.LaunchError";
        var consequence = finding.Severity == Severity.Error
            ? $"init fails with {errorType} even when bootstrap is fine"
            : $"if it cannot start, init fails with {errorType}";
        var relative = path.StartsWith("/opt/", StringComparison.Ordinal) ? path["/opt/".Length..] : path;
        return new(
            code,
            finding.Severity,
            $"{finding.Message} (an extension from layer {layer}: Lambda starts every file of /opt/extensions before the runtime, so {consequence})",
            finding.Hint is null ? null : BootstrapWord().Replace(finding.Hint, relative));
    }

    // Hints name the file to fix as "bootstrap" (chmod, dos2unix, go build -o); for an extension it is extensions/NAME.
    [GeneratedRegex(@"(?<![\w./-])bootstrap(?![\w.-])")]
    private static partial Regex BootstrapWord();

    private static string GoArch(string architecture) => architecture == ArchitectureNames.Arm64 ? "arm64" : "amd64";

    // "an x86_64", "an aarch64", "a 32-bit i386": by sound, and x is read "ex".
    private static string Article(string word) => word.Length > 0 && "aeiouxAEIOUX".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    // Where the file sits in the zip that must be fixed: /opt/extensions/x is extensions/x in its layer, /opt/bootstrap is bootstrap.
    private static string PathInItsZip(string path) =>
        path.StartsWith("/opt/", StringComparison.Ordinal) ? path["/opt/".Length..]
        : path.StartsWith("/var/task/", StringComparison.Ordinal) ? path["/var/task/".Length..]
        : path;

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Octal(int mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');

    private static string CompressionName(int method) => method switch
    {
        1 => "shrink",
        6 => "implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "LZMA",
        93 => "zstd",
        95 => "xz",
        98 => "PPMd",
        99 => "AES encryption",
        _ => "unknown",
    };
}
