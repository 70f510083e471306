using Guard.Inspection.Executables.Elf;
using Guard.Inspection.Reading;

namespace Guard.Inspection.Executables;

/// <summary>
/// Tells what a file is from its bytes the way Linux's execve would (ELF, <c>#!</c> script, or neither), and for ELF
/// files what Lambda's runtime must provide: machine, program interpreter and the glibc symbol versions ld.so will
/// check. Reads the first 64 KiB, plus the few structures that lie further in: for dynamic ELF files the dynamic section
/// and what it points to, for Go binaries the build information at the start of the data segment.
/// </summary>
public static class ExecutableAnalyzer
{
    /// <summary>The first read: enough for every header Guard classifies by, and for a Go binary's build ID note.</summary>
    public const int PrefixSize = 64 * 1024;

    /// <summary>
    /// Most a single analysis reads beyond <see cref="PrefixSize"/>: far above what a real binary needs (a few KiB),
    /// small enough that hostile header fields cannot turn one check into a large download or decompression.
    /// </summary>
    public const long MaxBytesBeyondPrefix = 1024 * 1024;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Analyzes <paramref name="content"/>. Never throws for malformed content: what could not be read is described in
    /// <see cref="ElfFacts.Problem"/> or <see cref="ScriptFacts.Problem"/>. Exceptions from <paramref name="content"/>
    /// itself (and cancellation) propagate.
    /// </summary>
    public static Task<ExecutableFacts> AnalyzeAsync(IEntryContent content, CancellationToken cancellationToken) =>
        AnalyzeAsync(content, asLibrary: false, cancellationToken);

    /// <summary>
    /// Analyzes <paramref name="content"/>; with <paramref name="asLibrary"/>, as a shared library ld.so loads for
    /// another file, whose dynamic section (needs, search paths, version definitions) counts without a program interpreter.
    /// </summary>
    public static Task<ExecutableFacts> AnalyzeAsync(IEntryContent content, bool asLibrary, CancellationToken cancellationToken) =>
        AnalyzeAsync(content, asLibrary, identifyToolchain: false, cancellationToken);

    /// <summary>
    /// As above; with <paramref name="identifyToolchain"/>, an ELF file's <see cref="ElfFacts.Toolchain"/> is read too: for
    /// anything but Go that means its section headers at the end of the file (a deflated entry is inflated to its end),
    /// so only callers that show the toolchain ask for it.
    /// </summary>
    public static async Task<ExecutableFacts> AnalyzeAsync(IEntryContent content, bool asLibrary, bool identifyToolchain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var buffer = new byte[(int)Math.Clamp(content.Length, 0, PrefixSize)];
        var read = await BoundedContentReader.ReadFullyAsync(content, 0, buffer, cancellationToken).ConfigureAwait(false);
        var prefix = buffer.AsMemory(0, read);
        var span = prefix.Span;

        if (span.IsEmpty)
        {
            return new ExecutableFacts(ExecutableKind.Empty);
        }

        if (span.StartsWith(ElfHeader.Magic))
        {
            var reader = new BoundedContentReader(content, prefix, MaxBytesBeyondPrefix);
            var elf = await ElfReader.ReadAsync(reader, asLibrary, cancellationToken).ConfigureAwait(false);
            if (identifyToolchain)
            {
                elf = elf with { Toolchain = await IdentifyToolchainAsync(reader, elf, cancellationToken).ConfigureAwait(false) };
            }

            return new ExecutableFacts(ExecutableKind.Elf, Elf: elf, Description: Describe(elf));
        }

        if (span.StartsWith("#!"u8))
        {
            return new ExecutableFacts(ExecutableKind.Script, Script: ShebangLine.Parse(span, startsWithByteOrderMark: false));
        }

        if (span.StartsWith(Utf8ByteOrderMark) && span[Utf8ByteOrderMark.Length..].StartsWith("#!"u8))
        {
            return new ExecutableFacts(
                ExecutableKind.Script,
                Script: ShebangLine.Parse(span[Utf8ByteOrderMark.Length..], startsWithByteOrderMark: true),
                Description: "a script whose #! follows a UTF-8 byte order mark");
        }

        if (ForeignExecutable.TryIdentify(span, content.Length, out var kind, out var description))
        {
            return new ExecutableFacts(kind, Description: description);
        }

        var text = span.StartsWith(Utf8ByteOrderMark) ? span[Utf8ByteOrderMark.Length..] : span;
        if (TextContent.IsMostlyText(text))
        {
            return new ExecutableFacts(ExecutableKind.Text, Description: "text without #!");
        }

        return new ExecutableFacts(ExecutableKind.Unknown, Description: ForeignExecutable.DescribeData(span));
    }

    /// <summary>
    /// Go says so near the start; everything else is told by the section headers and .comment, and only when those leave
    /// it at C (or say nothing) is the symbol table, when the binary kept one, searched for a runtime's own symbols.
    /// </summary>
    private static async Task<Toolchain?> IdentifyToolchainAsync(BoundedContentReader reader, ElfFacts elf, CancellationToken cancellationToken)
    {
        if (elf.IsGo)
        {
            return ToolchainEvidence.Identify(elf, ElfSections.None, new HashSet<string>());
        }

        var sections = await ElfSections.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var first = ToolchainEvidence.Identify(elf, sections, found);
        if (first is not null && first.Name != "c")
        {
            return first;
        }

        if (sections.Sections.FirstOrDefault(s => s.Name == ".strtab") is { Size: > 0 } strtab && reader.IsReachable(strtab.Offset, (int)Math.Min(strtab.Size, int.MaxValue)))
        {
            var needles = ToolchainEvidence.RuntimeSymbols.Select(m => System.Text.Encoding.ASCII.GetBytes(m.Symbol + "\0")).ToList();
            var hits = await reader.ContainsAsync(strtab.Offset, strtab.Size, needles, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < hits.Length; i++)
            {
                if (hits[i])
                {
                    found.Add(ToolchainEvidence.RuntimeSymbols[i].Symbol);
                }
            }
        }

        return ToolchainEvidence.Identify(elf, sections, found);
    }

    private static string Describe(ElfFacts elf)
    {
        return $"ELF {(elf.Is64Bit ? 64 : 32)}-bit {(elf.IsLittleEndian ? "LSB" : "MSB")} {elf.MachineName} {elf.Linkage.Name()}{(elf.IsGo ? " (Go)" : string.Empty)}";
    }
}
