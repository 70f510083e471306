using System.Text.Json.Serialization;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>The JSON report of docs/design.md (<c>schemaVersion</c> 1): the same document in the CLI, SNS and Lambda answers.</summary>
public sealed record Report(
    int SchemaVersion,
    string Source,
    Verdict Verdict,
    string Runtime,
    string Architecture,
    BootstrapSummary? Bootstrap,
    IReadOnlyList<Finding> Findings,
    ReadStats Stats)
{
    public const int CurrentSchemaVersion = 1;

    [JsonIgnore]
    public bool HasErrors => Findings.Any(f => f.Severity == Severity.Error);

    /// <summary>The finding a one-line summary leads with: the first error, else the first warning, else the first.</summary>
    [JsonIgnore]
    public Finding? LeadingFinding =>
        Findings.FirstOrDefault(f => f.Severity == Severity.Error)
        ?? Findings.FirstOrDefault(f => f.Severity == Severity.Warning)
        ?? (Findings.Count > 0 ? Findings[0] : null);
}

/// <summary>What Guard learned about the file Lambda will exec.</summary>
/// <param name="Path">Inside its package, e.g. <c>bootstrap</c>.</param>
/// <param name="Origin"><c>function</c>, or <c>layer</c> for <c>/opt/bootstrap</c>.</param>
/// <param name="Kind"><c>elf</c>, <c>script</c>, <c>macho</c>, <c>pe</c>, <c>text</c>, <c>unknown</c>, <c>empty</c>, <c>directory</c>, <c>symlink</c>.</param>
/// <param name="Machine">ELF machine, e.g. <c>x86_64</c>, <c>aarch64</c>.</param>
/// <param name="Linkage"><c>static</c>, <c>static-pie</c> or <c>dynamic</c>.</param>
/// <param name="Interpreter">ELF program interpreter or script interpreter.</param>
/// <param name="GlibcRequired">The highest <c>GLIBC_x.y</c> the file needs, e.g. <c>2.34</c>.</param>
/// <param name="Mode">Unix permission bits in octal, e.g. <c>0755</c>; null when the archive records none.</param>
/// <param name="Size">Uncompressed size in bytes.</param>
/// <param name="Layer">For <c>layer</c> origin: which layer (as given) holds it.</param>
/// <param name="Toolchain"><c>go</c> when the Go toolchain built it; when the check was asked to tell
/// (<see cref="InspectionRequest.IdentifyToolchain"/>) also <c>rust</c>, <c>swift</c>, <c>dotnet-aot</c>, <c>c++</c> or <c>c</c>;
/// null when unknown.</param>
/// <param name="GoVersion">For a Go binary whose build information was read: the Go release that built it, e.g. <c>go1.19.8</c>.
/// Null when unknown: Guard reads it only when that is cheap (a stored entry), not from deep inside a deflated one.</param>
/// <param name="AwsLambdaGo">The <c>github.com/aws/aws-lambda-go</c> version the build required, e.g. <c>v1.47.0</c>; null when
/// the build information was not read or does not list the module.</param>
/// <param name="Compiler">The compiler and version the binary records (<c>rustc 1.75.0</c>, <c>gcc 12.2.0</c>, <c>ilc 10.0.12</c>),
/// when the toolchain was asked for and told; null otherwise (a Go binary's is <see cref="GoVersion"/>).</param>
public sealed record BootstrapSummary(
    string Path,
    string Origin,
    string Kind,
    string? Machine,
    string? Linkage,
    string? Interpreter,
    string? GlibcRequired,
    string? Mode,
    long Size,
    string? Layer = null,
    string? Toolchain = null,
    string? GoVersion = null,
    string? AwsLambdaGo = null,
    string? Compiler = null);

/// <param name="Requests">Range requests made, over the package and its layers.</param>
/// <param name="BytesRead">Bytes transferred.</param>
/// <param name="ElapsedMs">Wall time of the inspection.</param>
public sealed record ReadStats(int Requests, long BytesRead, long ElapsedMs);
