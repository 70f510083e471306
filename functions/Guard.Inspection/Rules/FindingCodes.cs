namespace Guard.Inspection.Rules;

/// <summary>The stable finding codes of docs/design.md; existing codes keep their meaning forever.</summary>
public static class FindingCodes
{
    public const string BootstrapMissing = "BOOTSTRAP_MISSING";
    public const string BootstrapNested = "BOOTSTRAP_NESTED";
    public const string BootstrapNotFile = "BOOTSTRAP_NOT_FILE";
    public const string BootstrapNotExecutable = "BOOTSTRAP_NOT_EXECUTABLE";
    public const string BootstrapEmpty = "BOOTSTRAP_EMPTY";
    public const string BootstrapWrongOs = "BOOTSTRAP_WRONG_OS";
    public const string BootstrapWrongArch = "BOOTSTRAP_WRONG_ARCH";
    public const string BootstrapGlibcTooNew = "BOOTSTRAP_GLIBC_TOO_NEW";
    public const string BootstrapInterpreterMissing = "BOOTSTRAP_INTERPRETER_MISSING";
    public const string BootstrapNoShebang = "BOOTSTRAP_NO_SHEBANG";
    public const string BootstrapCrlf = "BOOTSTRAP_CRLF";
    public const string ZipInvalid = "ZIP_INVALID";
    public const string ZipEncrypted = "ZIP_ENCRYPTED";
    public const string ZipUnsupportedCompression = "ZIP_UNSUPPORTED_COMPRESSION";
    public const string PackageTooLarge = "PACKAGE_TOO_LARGE";
    public const string PackageSourceMissing = "PACKAGE_SOURCE_MISSING";
    public const string RuntimeDeprecated = "RUNTIME_DEPRECATED";
    public const string RuntimeDeployBlocked = "RUNTIME_DEPLOY_BLOCKED";
    public const string RuntimeUnknown = "RUNTIME_UNKNOWN";
    public const string PlaceholderOverGood = "PLACEHOLDER_OVER_GOOD";
    public const string HandlerIgnored = "HANDLER_IGNORED";
    public const string Placeholder = "PLACEHOLDER";
    public const string BootstrapSkipped = "BOOTSTRAP_SKIPPED";
    public const string BootstrapLinksToRuntimeFile = "BOOTSTRAP_LINKS_TO_RUNTIME";
    public const string BootstrapLinkUnverified = "BOOTSTRAP_LINK_UNVERIFIED";
    public const string GoRuntimeClientTooOld = "GO_RUNTIME_CLIENT_TOO_OLD";
    public const string BootstrapInterpreterUnverified = "BOOTSTRAP_INTERPRETER_UNVERIFIED";
    public const string ExtensionNotFile = "EXTENSION_NOT_FILE";
    public const string ExtensionNotExecutable = "EXTENSION_NOT_EXECUTABLE";
    public const string ExtensionEmpty = "EXTENSION_EMPTY";
    public const string ExtensionWrongOs = "EXTENSION_WRONG_OS";
    public const string ExtensionWrongArch = "EXTENSION_WRONG_ARCH";
    public const string ExtensionGlibcTooNew = "EXTENSION_GLIBC_TOO_NEW";
    public const string ExtensionInterpreterMissing = "EXTENSION_INTERPRETER_MISSING";
    public const string ExtensionNoShebang = "EXTENSION_NO_SHEBANG";
    public const string ExtensionCrlf = "EXTENSION_CRLF";
    public const string ExtensionInterpreterUnverified = "EXTENSION_INTERPRETER_UNVERIFIED";
    public const string BootstrapLibraryMissing = "BOOTSTRAP_LIBRARY_MISSING";
    public const string BootstrapLibraryVersionMissing = "BOOTSTRAP_LIBRARY_VERSION_MISSING";
    public const string BootstrapLibraryUnverified = "BOOTSTRAP_LIBRARY_UNVERIFIED";
    public const string ExtensionLibraryMissing = "EXTENSION_LIBRARY_MISSING";
    public const string ExtensionLibraryVersionMissing = "EXTENSION_LIBRARY_VERSION_MISSING";
    public const string ExtensionLibraryUnverified = "EXTENSION_LIBRARY_UNVERIFIED";
    public const string ImageIndex = "IMAGE_INDEX";
    public const string ImageMediaTypeUnsupported = "IMAGE_MEDIA_TYPE_UNSUPPORTED";
    public const string ImageWrongArch = "IMAGE_WRONG_ARCH";
    public const string ImageNotLinux = "IMAGE_NOT_LINUX";
    public const string ImageNoCommand = "IMAGE_NO_COMMAND";
    public const string ImageEntrypointMissing = "IMAGE_ENTRYPOINT_MISSING";
    public const string ImageWorkingDirectoryRelative = "IMAGE_WORKDIR_RELATIVE";
    public const string ImageHandlerArguments = "IMAGE_HANDLER_ARGUMENTS";
    public const string ImageNoRuntimeClient = "IMAGE_NO_RUNTIME_CLIENT";
    public const string ImageInvalid = "IMAGE_INVALID";

    /// <summary>
    /// The extension code for what the shared rules report about a bootstrap: an extension is judged by the same
    /// rules, and only the code (and the consequence) differs. Null for a code with no extension counterpart.
    /// </summary>
    public static string? ExtensionCodeFor(string bootstrapCode) => bootstrapCode switch
    {
        BootstrapNotFile => ExtensionNotFile,
        BootstrapNotExecutable => ExtensionNotExecutable,
        BootstrapEmpty => ExtensionEmpty,
        BootstrapWrongOs => ExtensionWrongOs,
        BootstrapWrongArch => ExtensionWrongArch,
        BootstrapGlibcTooNew => ExtensionGlibcTooNew,
        BootstrapInterpreterMissing => ExtensionInterpreterMissing,
        BootstrapNoShebang => ExtensionNoShebang,
        BootstrapCrlf => ExtensionCrlf,
        BootstrapInterpreterUnverified => ExtensionInterpreterUnverified,
        BootstrapLibraryMissing => ExtensionLibraryMissing,
        BootstrapLibraryVersionMissing => ExtensionLibraryVersionMissing,
        BootstrapLibraryUnverified => ExtensionLibraryUnverified,
        _ => null,
    };

    /// <summary>Every code with its severity and a one-line summary: the SARIF rules and docs/findings.md's table.</summary>
    public static IReadOnlyList<(string Code, Severity Severity, string Summary)> All { get; } =
    [
        (BootstrapMissing, Severity.Error, "No bootstrap at the root of the package nor of any layer."),
        (BootstrapNested, Severity.Error, "bootstrap exists only in a subfolder: the folder was zipped instead of its contents."),
        (BootstrapNotFile, Severity.Error, "bootstrap is a directory, or a symlink that resolves to nothing usable."),
        (BootstrapNotExecutable, Severity.Error, "bootstrap lacks execute permission for others, or the archive records no Unix mode."),
        (BootstrapEmpty, Severity.Error, "bootstrap is zero bytes."),
        (BootstrapWrongOs, Severity.Error, "bootstrap is a Mach-O or PE binary, or neither ELF nor a script."),
        (BootstrapWrongArch, Severity.Error, "bootstrap is built for another CPU than the function's architecture."),
        (BootstrapGlibcTooNew, Severity.Error, "bootstrap needs a newer glibc than the runtime has."),
        (BootstrapInterpreterMissing, Severity.Error, "bootstrap's program interpreter does not exist on the runtime."),
        (BootstrapNoShebang, Severity.Error, "bootstrap is a text file without #!."),
        (BootstrapCrlf, Severity.Error, "bootstrap's shebang line ends in \\r (Windows line endings)."),
        (ZipInvalid, Severity.Error, "The package is not a readable zip."),
        (ZipEncrypted, Severity.Error, "The package has an encrypted entry; Lambda cannot extract it."),
        (ZipUnsupportedCompression, Severity.Error, "The package uses a compression method other than stored or deflate."),
        (PackageTooLarge, Severity.Error, "Function and layers unzipped exceed 262,144,000 bytes."),
        (PackageSourceMissing, Severity.Error, "The S3 object version a function with S3ObjectStorageMode REFERENCE runs from no longer exists: Lambda keeps no copy, so no new execution environment can start."),
        (RuntimeDeprecated, Severity.Warning, "The runtime is past its deprecation date."),
        (RuntimeDeployBlocked, Severity.Error, "guard check: Lambda refuses to create (or update) functions on the runtime since a date its sources give; the deploy fails."),
        (RuntimeUnknown, Severity.Error, "The template's Runtime is not one Lambda accepts (a typo): the deploy fails; the hint names the nearest real runtime."),
        (PlaceholderOverGood, Severity.Error, "A placeholder replaced a package that was good."),
        (HandlerIgnored, Severity.Info, "Custom runtimes ignore Handler; Lambda runs bootstrap."),
        (Placeholder, Severity.Info, "The package is a known placeholder upload; not judged yet."),
        (BootstrapSkipped, Severity.Warning, "The function's bootstrap is a directory or a dangling symlink; Lambda skips it and runs /opt/bootstrap."),
        (BootstrapLinksToRuntimeFile, Severity.Info, "bootstrap is a symlink to a file the runtime itself has (e.g. /bin/sh)."),
        (BootstrapLinkUnverified, Severity.Warning, "bootstrap is a symlink out of the package to a path Guard cannot check on the runtime."),
        (GoRuntimeClientTooOld, Severity.Error, "A Go bootstrap built with aws-lambda-go older than v1.18.0 never calls the Runtime API."),
        (BootstrapInterpreterUnverified, Severity.Warning, "A script's interpreter (or the program #!/usr/bin/env runs) is not shipped and Guard cannot tell whether the runtime's image has it."),
        (ExtensionNotFile, Severity.Error, "A file of a layer's extensions/ folder is a symlink to a directory or to nothing."),
        (ExtensionNotExecutable, Severity.Error, "A layer's extension lacks execute permission for others, or the archive records no Unix mode."),
        (ExtensionEmpty, Severity.Error, "A layer's extension is zero bytes."),
        (ExtensionWrongOs, Severity.Error, "A layer's extension is a Mach-O or PE binary, or neither ELF nor a script."),
        (ExtensionWrongArch, Severity.Error, "A layer's extension is built for another CPU than the function's architecture."),
        (ExtensionGlibcTooNew, Severity.Error, "A layer's extension needs a newer glibc than the runtime has."),
        (ExtensionInterpreterMissing, Severity.Error, "A layer's extension names a program interpreter the runtime and layers do not have."),
        (ExtensionNoShebang, Severity.Error, "A layer's extension is a text file without #!."),
        (ExtensionCrlf, Severity.Error, "A layer's extension has a shebang line ending in \\r (Windows line endings)."),
        (ExtensionInterpreterUnverified, Severity.Warning, "A layer's script extension names an interpreter Guard cannot find in the layers nor in what it knows of the runtime's image."),
        (BootstrapLibraryMissing, Severity.Error, "bootstrap (or a library it loads) needs a shared library that is nowhere ld.so looks: not shipped on the search path, and not in the runtime's image."),
        (BootstrapLibraryVersionMissing, Severity.Error, "bootstrap (or a library it loads) needs a symbol version (e.g. GLIBCXX_3.4.30) that the library ld.so picks does not define."),
        (BootstrapLibraryUnverified, Severity.Warning, "bootstrap needs a shared library (or version) that is not shipped and that Guard's catalog of the runtime's image does not settle."),
        (ExtensionLibraryMissing, Severity.Error, "A layer's extension needs a shared library that is nowhere ld.so looks."),
        (ExtensionLibraryVersionMissing, Severity.Error, "A layer's extension needs a symbol version that the library ld.so picks does not define."),
        (ExtensionLibraryUnverified, Severity.Warning, "A layer's extension needs a shared library (or version) that is not shipped and that Guard's catalog of the runtime's image does not settle."),
        (ImageIndex, Severity.Error, "A container image reference names an OCI index or manifest list (buildx adds attestations by default), not one image's manifest: Lambda refuses it."),
        (ImageMediaTypeUnsupported, Severity.Error, "The image's manifest, config or a layer has a media type Lambda does not take (schema 1, zstd, foreign layers)."),
        (ImageWrongArch, Severity.Error, "The image is built for another CPU than the function's architecture: exec format error."),
        (ImageNotLinux, Severity.Error, "The image's config names an operating system other than linux."),
        (ImageNoCommand, Severity.Error, "Neither the image nor the function's ImageConfig sets an ENTRYPOINT or CMD."),
        (ImageEntrypointMissing, Severity.Error, "The file the image's command starts is in no layer, or a later layer's whiteout deleted it."),
        (ImageWorkingDirectoryRelative, Severity.Error, "The image's WORKDIR or the function's ImageConfig.WorkingDirectory is not absolute: Runtime.InvalidWorkingDir."),
        (ImageHandlerArguments, Severity.Error, "An AWS base image's /lambda-entrypoint.sh gets other than exactly one argument (the handler) and exits 142."),
        (ImageNoRuntimeClient, Severity.Warning, "A heuristic: the image starts a language interpreter without a runtime interface client and is not an AWS base image."),
        (ImageInvalid, Severity.Error, "The image's manifest, config or a layer cannot be read as the format it claims."),
    ];
}
