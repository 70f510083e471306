using System.Globalization;
using System.Text;

namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// Reads what decides whether Linux and ld.so can start an ELF file, as the System V gABI (Edition 4.1 and the
/// 2013 draft "Object Files"/"Program Loading and Dynamic Linking" chapters, which define both ELFCLASS32 and
/// ELFCLASS64) lays it out, plus the GNU symbol-versioning extension (LSB Core, "Symbol Versioning").
/// The header and program headers usually sit in the prefix already read; for a file with a program interpreter, the
/// dynamic section, dynamic strings and version needs usually do not, so each is read on its own with a cap. Every bound below is either a limit
/// Linux itself enforces or far above what real toolchains emit; hitting one is reported, never thrown.
/// </summary>
internal static class ElfReader
{
    /// <summary>Linux's load_elf_phdrs refuses a larger program header table.</summary>
    private const int MaxProgramHeaderTableSize = 64 * 1024;

    /// <summary>Linux refuses a PT_INTERP longer than PATH_MAX (or shorter than 2 bytes).</summary>
    private const int MaxInterpreterSize = 4096;

    /// <summary>4,096 Elf64_Dyn entries; linkers emit a few dozen.</summary>
    private const int MaxDynamicSectionSize = 64 * 1024;

    private const int MaxNeededLibraries = 1024;

    /// <summary>Elf_Verneed plus Elf_Vernaux entries walked; real files need a few dozen.</summary>
    private const int MaxVersionEntries = 4096;

    /// <summary>The version-needs chain is contiguous, so one read usually covers all of it.</summary>
    private const int VersionNeedsReadAhead = 4096;

    /// <summary>
    /// What is read at the start of a Go binary's data segment for its build information: Go's linker puts the blob
    /// first there, and the 32-byte header, the version and a module list of a few dozen lines fit.
    /// </summary>
    private const int GoBuildInfoWindow = 8 * 1024;

    /// <summary>debug/buildinfo reads no more than 64 KiB of the data segment either.</summary>
    private const int MaxGoBuildInfoLength = 64 * 1024;

    /// <summary>What <see cref="FindRpcOnlyClientAsync"/> looks for: the old client's two marks, then the newer client's.</summary>
    private static readonly byte[][] RpcClientStrings =
    [
        "github.com/aws/aws-lambda-go/lambda.(*Function).Invoke"u8.ToArray(),
        "_LAMBDA_SERVER_PORT"u8.ToArray(),
        "AWS_LAMBDA_RUNTIME_API"u8.ToArray(),
    ];

    private const uint SegmentExecutable = 0x1;
    private const uint SegmentWritable = 0x2;

    /// <param name="reader">The file, its first bytes already read.</param>
    /// <param name="asLibrary">Read the dynamic section even without PT_INTERP: the file is a shared library ld.so loads
    /// for another, so its DT_NEEDED, DT_SONAME, search paths and version definitions count.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<ElfFacts> ReadAsync(BoundedContentReader reader, bool asLibrary, CancellationToken cancellationToken)
    {
        var prefix = reader.Prefix;

        // A truncated header is zero-padded so the fields that are present (class, machine, type) are still reported.
        var headerBytes = new byte[ElfHeader.Size64];
        prefix.Span[..Math.Min(prefix.Length, headerBytes.Length)].CopyTo(headerBytes);
        var header = ElfHeader.Parse(headerBytes);
        var state = new State(header);

        if (header.Class is not (ElfHeader.ClassElf32 or ElfHeader.ClassElf64))
        {
            return state.Fail(string.Create(CultureInfo.InvariantCulture, $"unknown ELF class {header.Class} (EI_CLASS)"));
        }

        if (header.Data is not (ElfHeader.DataLittleEndian or ElfHeader.DataBigEndian))
        {
            return state.Fail(string.Create(CultureInfo.InvariantCulture, $"unknown ELF byte order {header.Data} (EI_DATA)"));
        }

        if (prefix.Length < header.Size)
        {
            return state.Fail(string.Create(CultureInfo.InvariantCulture, $"the ELF header is truncated ({prefix.Length} of {header.Size} bytes)"));
        }

        var programHeaders = await ReadProgramHeadersAsync(reader, header, state, cancellationToken).ConfigureAwait(false);
        ProgramHeader? interpreterHeader = null;
        ProgramHeader? dynamicHeader = null;
        foreach (var programHeader in programHeaders)
        {
            // Linux and ld.so both act on the first PT_INTERP and the first PT_DYNAMIC.
            if (programHeader.Type == ProgramHeader.TypeInterpreter)
            {
                interpreterHeader ??= programHeader;
            }
            else if (programHeader.Type == ProgramHeader.TypeDynamic)
            {
                dynamicHeader ??= programHeader;
            }
            else if (programHeader.Type == ProgramHeader.TypeNote && !state.IsGo)
            {
                state.IsGo = HasGoNoteInPrefix(prefix.Span, programHeader, header.ByteOrder);
            }
        }

        state.IsGo |= GoToolchainMarkers.HasBuildInfo(prefix.Span);
        ReportSegmentsPastTheEnd(programHeaders, reader.Length, state);
        state.Linkage = (interpreterHeader, dynamicHeader, header.Type) switch
        {
            ({ }, _, _) => ElfLinkage.Dynamic,
            (null, { }, ElfFacts.TypeSharedObject) => ElfLinkage.StaticPie,
            _ => ElfLinkage.Static,
        };

        if (interpreterHeader is { } interp)
        {
            await ReadInterpreterAsync(reader, interp, state, cancellationToken).ConfigureAwait(false);
        }

        // Only ld.so reads DT_NEEDED and checks version needs, and only a file with PT_INTERP gets ld.so (or a library it
        // loads). Without one (static-pie, or a shared library shipped as the bootstrap) the kernel jumps straight to the
        // entry point. The dynamic section sits near the end of the loaded part of the file and is read wherever it is; only
        // past what a deflated entry keeps (larger than Lambda allows) do the version needs found in the first bytes stand
        // in for it (they name every library a versioned symbol comes from, but not unversioned needs nor the search paths).
        if ((interpreterHeader is not null || asLibrary) && dynamicHeader is { } dynamic)
        {
            var dynamicSize = (int)Math.Min(dynamic.FileSize, MaxDynamicSectionSize);
            if (!reader.IsReachable(dynamic.Offset, dynamicSize) &&
                PrefixVersionNeeds.TryRead(prefix.Span, header.ByteOrder, out var needs))
            {
                state.VersionNeedsFromPrefix = true;
                foreach (var need in needs)
                {
                    state.AddVersionNeed(need);
                }
            }
            else
            {
                await ReadDynamicSectionAsync(reader, header.ByteOrder, dynamic, programHeaders, state, cancellationToken).ConfigureAwait(false);
            }
        }

        if (state.IsGo)
        {
            await ReadGoBuildInfoAsync(reader, programHeaders, state, cancellationToken).ConfigureAwait(false);
        }

        if (reader.BudgetExhausted)
        {
            state.Report(string.Create(CultureInfo.InvariantCulture, $"stopped after reading {reader.BudgetBeyondPrefix / 1024} KiB beyond the first bytes: the headers point at more data than an executable has"));
        }

        return state.ToFacts();
    }

    /// <summary>
    /// The build information of a Go binary, where debug/buildinfo finds it when there is no .go.buildinfo section to go
    /// by: the start of the first writable, non-executable PT_LOAD (Go's linker puts .go.buildinfo first in it, so the
    /// section headers at the end of the file need not be read). In a deflated entry that costs inflating up to the data
    /// segment, most of the file: correctness first. The Go 1.18+ blob holds its strings; the Go 1.13-1.17 one points at
    /// runtime.buildVersion and runtime.modinfo, resolved through the program headers. A binary with neither (before Go
    /// 1.13, or built outside module mode) is searched for the RPC-only aws-lambda-go client's own strings.
    /// </summary>
    private static async Task ReadGoBuildInfoAsync(BoundedContentReader reader, IReadOnlyList<ProgramHeader> programHeaders, State state, CancellationToken cancellationToken)
    {
        var data = programHeaders.FirstOrDefault(p => p.Type == ProgramHeader.TypeLoad && (p.Flags & (SegmentExecutable | SegmentWritable)) == SegmentWritable);
        if (data.Type != ProgramHeader.TypeLoad || data.FileSize == 0)
        {
            return;
        }

        var window = (int)Math.Min(data.FileSize, GoBuildInfoWindow);
        if (!reader.IsReachable(data.Offset, window))
        {
            return;
        }

        var bytes = await reader.ReadAsync(data.Offset, window, cancellationToken).ConfigureAwait(false);
        var at = GoBuildInfo.Find(bytes.Span);
        if (at >= 0)
        {
            var blob = bytes[at..];
            if (GoBuildInfo.Length(blob.Span) is { } length && length > blob.Length && length <= MaxGoBuildInfoLength &&
                reader.IsReachable(data.Offset + (ulong)at, length))
            {
                blob = await reader.ReadAsync(data.Offset + (ulong)at, length, cancellationToken).ConfigureAwait(false);
            }

            if (GoBuildInfo.TryParse(blob.Span, out var info))
            {
                state.GoBuild = info;
            }
            else if (GoBuildInfo.PointerHeader(blob.Span) is { } pointers)
            {
                state.GoBuild = await ReadPointerBuildInfoAsync(reader, programHeaders, blob, pointers.PointerSize, pointers.BigEndian, cancellationToken).ConfigureAwait(false);
            }
        }

        if (state.GoBuild is not { Dependencies.Count: > 0 })
        {
            state.GoRpcOnlyClient = await FindRpcOnlyClientAsync(reader, data, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>debug/buildinfo's readString for the Go 1.13-1.17 layout: each pointer leads to a Go string header (data, length).</summary>
    private static async Task<GoBuildInfo?> ReadPointerBuildInfoAsync(
        BoundedContentReader reader, IReadOnlyList<ProgramHeader> programHeaders, ReadOnlyMemory<byte> blob, int pointerSize, bool bigEndian, CancellationToken cancellationToken)
    {
        var order = new ElfByteOrder(pointerSize == 8, !bigEndian);
        var version = await ReadGoStringAsync(reader, programHeaders, order, order.Word(blob.Span, 16), cancellationToken).ConfigureAwait(false);
        var modules = await ReadGoStringAsync(reader, programHeaders, order, order.Word(blob.Span, 16 + pointerSize), cancellationToken).ConfigureAwait(false);
        return version is null || modules is null ? null : GoBuildInfo.FromStrings(version, modules);
    }

    private static async Task<string?> ReadGoStringAsync(BoundedContentReader reader, IReadOnlyList<ProgramHeader> programHeaders, ElfByteOrder order, ulong address, CancellationToken cancellationToken)
    {
        var pointerSize = order.Is64Bit ? 8 : 4;
        if (!TryMapAddress(programHeaders, address, out var headerOffset) || !reader.IsReachable(headerOffset, 2 * pointerSize))
        {
            return null;
        }

        var header = await reader.ReadAsync(headerOffset, 2 * pointerSize, cancellationToken).ConfigureAwait(false);
        if (header.Length < 2 * pointerSize)
        {
            return null;
        }

        var dataAddress = order.Word(header.Span, 0);
        var length = order.Word(header.Span, pointerSize);
        if (length > MaxGoBuildInfoLength || !TryMapAddress(programHeaders, dataAddress, out var dataOffset) || !reader.IsReachable(dataOffset, (int)length))
        {
            return null;
        }

        var text = await reader.ReadAsync(dataOffset, (int)length, cancellationToken).ConfigureAwait(false);
        return text.Length == (int)length ? Encoding.UTF8.GetString(text.Span) : null;
    }

    /// <summary>
    /// aws-lambda-go before v1.18.0 serves only go1.x's RPC protocol: it reads <c>_LAMBDA_SERVER_PORT</c> and registers
    /// <c>lambda.(*Function).Invoke</c> with net/rpc. From v1.18.0 the client also reads <c>AWS_LAMBDA_RUNTIME_API</c>; a binary
    /// holding the first two and not the third is the RPC-only client. Searched in everything before the data segment
    /// (.rodata holds the string literals, .gopclntab the function names), which is inflated on the way to it anyway.
    /// </summary>
    private static async Task<string?> FindRpcOnlyClientAsync(BoundedContentReader reader, ProgramHeader data, CancellationToken cancellationToken)
    {
        if (!reader.IsReachable(0, (int)Math.Min(data.Offset, int.MaxValue)))
        {
            return null;
        }

        var found = await reader.ContainsAsync(0, data.Offset, RpcClientStrings, cancellationToken).ConfigureAwait(false);
        return found[0] && found[1] && !found[2]
            ? "it has no module build information, and holds the RPC-only client's strings: lambda.(*Function).Invoke and _LAMBDA_SERVER_PORT, without AWS_LAMBDA_RUNTIME_API"
            : null;
    }

    /// <summary>
    /// A loaded segment that runs past the end of the file maps pages with nothing behind them: the process dies
    /// with SIGBUS as soon as it touches them. Checked from the headers alone, so it costs no read.
    /// </summary>
    private static void ReportSegmentsPastTheEnd(IReadOnlyList<ProgramHeader> programHeaders, long length, State state)
    {
        foreach (var segment in programHeaders)
        {
            if (segment.Type is ProgramHeader.TypeLoad or ProgramHeader.TypeDynamic or ProgramHeader.TypeInterpreter &&
                segment.FileSize > 0 && (segment.Offset > (ulong)length || segment.FileSize > (ulong)length - segment.Offset))
            {
                state.Report(string.Create(CultureInfo.InvariantCulture, $"a segment ends at byte {segment.Offset + segment.FileSize} of a {length}-byte file: the file is truncated"));
                return;
            }
        }
    }

    private static async Task<IReadOnlyList<ProgramHeader>> ReadProgramHeadersAsync(BoundedContentReader reader, ElfHeader header, State state, CancellationToken cancellationToken)
    {
        if (header.ProgramHeaderCount == 0)
        {
            if (header.Type != ElfHeader.TypeRelocatable)
            {
                state.Report("no program headers: Linux cannot load it");
            }

            return [];
        }

        int expected = ProgramHeader.SizeFor(header.Is64Bit), entrySize = header.ProgramHeaderEntrySize;
        if (entrySize != expected)
        {
            state.Report(string.Create(CultureInfo.InvariantCulture, $"e_phentsize is {entrySize}, not {expected}: Linux refuses to load it"));
            if (entrySize < expected)
            {
                return [];
            }
        }

        var tableSize = (long)header.ProgramHeaderCount * entrySize;
        if (tableSize > MaxProgramHeaderTableSize)
        {
            state.Report(string.Create(CultureInfo.InvariantCulture, $"the program header table is {tableSize} bytes, more than the 64 KiB Linux accepts"));
        }

        var count = (int)(Math.Min(tableSize, MaxProgramHeaderTableSize) / entrySize);
        var bytes = await reader.ReadAsync(header.ProgramHeaderOffset, count * entrySize, cancellationToken).ConfigureAwait(false);
        if (bytes.Length < count * entrySize)
        {
            state.Report("program headers run past the end of the file");
        }

        var programHeaders = new ProgramHeader[bytes.Length / entrySize];
        for (var i = 0; i < programHeaders.Length; i++)
        {
            programHeaders[i] = ProgramHeader.Parse(bytes.Span.Slice(i * entrySize, expected), header.ByteOrder);
        }

        return programHeaders;
    }

    private static bool HasGoNoteInPrefix(ReadOnlySpan<byte> prefix, ProgramHeader note, ElfByteOrder order)
    {
        if (note.Offset >= (ulong)prefix.Length)
        {
            return false;
        }

        var notes = prefix[(int)note.Offset..];
        notes = notes[..(int)Math.Min((ulong)notes.Length, note.FileSize)];
        return GoToolchainMarkers.HasGoNote(notes, order, note.Align == 8 ? 8 : 4);
    }

    private static async Task ReadInterpreterAsync(BoundedContentReader reader, ProgramHeader interp, State state, CancellationToken cancellationToken)
    {
        if (interp.FileSize is < 2 or > MaxInterpreterSize)
        {
            state.Report(string.Create(CultureInfo.InvariantCulture, $"PT_INTERP is {interp.FileSize} bytes: Linux accepts 2 to {MaxInterpreterSize}"));
            return;
        }

        var bytes = await reader.ReadAsync(interp.Offset, (int)interp.FileSize, cancellationToken).ConfigureAwait(false);
        if (bytes.Length < (int)interp.FileSize)
        {
            state.Report("the program interpreter path runs past the end of the file");
        }

        var span = bytes.Span;
        var end = span.IndexOf((byte)0);
        if (end < 0 && bytes.Length == (int)interp.FileSize)
        {
            state.Report("the program interpreter path is not NUL-terminated: Linux refuses to load it");
        }

        state.Interpreter = Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private static async Task ReadDynamicSectionAsync(
        BoundedContentReader reader,
        ElfByteOrder order,
        ProgramHeader dynamic,
        IReadOnlyList<ProgramHeader> programHeaders,
        State state,
        CancellationToken cancellationToken)
    {
        var size = (int)Math.Min(dynamic.FileSize, MaxDynamicSectionSize);
        var bytes = await reader.ReadAsync(dynamic.Offset, size, cancellationToken).ConfigureAwait(false);
        var entries = ParseDynamicEntries(bytes.Span, order, out var terminated);
        if (!terminated && bytes.Length < size)
        {
            state.Report("the dynamic section runs past the end of the file");
        }

        ulong? stringTableAddress = null, stringTableSize = null, versionNeedAddress = null, versionDefinitionAddress = null;
        ulong? soNameOffset = null, rpathOffset = null, runPathOffset = null;
        var neededNameOffsets = new List<ulong>();
        foreach (var entry in entries)
        {
            switch (entry.Tag)
            {
                case DynamicEntry.TagNeeded when neededNameOffsets.Count < MaxNeededLibraries:
                    neededNameOffsets.Add(entry.Value);
                    break;
                case DynamicEntry.TagStringTable:
                    stringTableAddress ??= entry.Value;
                    break;
                case DynamicEntry.TagStringTableSize:
                    stringTableSize ??= entry.Value;
                    break;
                case DynamicEntry.TagVersionNeed:
                    versionNeedAddress ??= entry.Value;
                    break;
                case DynamicEntry.TagVersionDefinition:
                    versionDefinitionAddress ??= entry.Value;
                    break;
                case DynamicEntry.TagSoName:
                    soNameOffset ??= entry.Value;
                    break;
                case DynamicEntry.TagRPath:
                    rpathOffset ??= entry.Value;
                    break;
                case DynamicEntry.TagRunPath:
                    runPathOffset ??= entry.Value;
                    break;
            }
        }

        if (neededNameOffsets.Count == 0 && versionNeedAddress is null && versionDefinitionAddress is null && soNameOffset is null && rpathOffset is null && runPathOffset is null)
        {
            return;
        }

        if (stringTableAddress is not { } address)
        {
            state.Report("the dynamic section has no DT_STRTAB");
            return;
        }

        if (!TryMapAddress(programHeaders, address, out var stringTableOffset))
        {
            state.Report(string.Create(CultureInfo.InvariantCulture, $"DT_STRTAB 0x{address:x} is not in any PT_LOAD segment"));
            return;
        }

        var strings = new DynamicStringTable(reader, stringTableOffset, stringTableSize ?? ulong.MaxValue);
        foreach (var nameOffset in neededNameOffsets)
        {
            if (await strings.GetAsync(nameOffset, cancellationToken).ConfigureAwait(false) is { } name)
            {
                state.NeededLibraries.Add(name);
            }
            else
            {
                state.Report("a DT_NEEDED name lies outside the dynamic string table");
            }
        }

        state.SoName = soNameOffset is { } soName ? await strings.GetAsync(soName, cancellationToken).ConfigureAwait(false) : null;
        state.RPath = rpathOffset is { } rpath ? SplitSearchPath(await strings.GetAsync(rpath, cancellationToken).ConfigureAwait(false)) : null;
        state.RunPath = runPathOffset is { } runPath ? SplitSearchPath(await strings.GetAsync(runPath, cancellationToken).ConfigureAwait(false)) : null;
        if (versionDefinitionAddress is { } definitionAddress)
        {
            if (TryMapAddress(programHeaders, definitionAddress, out var definitionOffset))
            {
                await ReadVersionDefinitionsAsync(reader, order, definitionOffset, strings, state, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                state.Report(string.Create(CultureInfo.InvariantCulture, $"DT_VERDEF 0x{definitionAddress:x} is not in any PT_LOAD segment"));
            }
        }

        if (versionNeedAddress is { } needAddress)
        {
            if (TryMapAddress(programHeaders, needAddress, out var needOffset))
            {
                await ReadVersionNeedsAsync(reader, order, needOffset, strings, state, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                state.Report(string.Create(CultureInfo.InvariantCulture, $"DT_VERNEED 0x{needAddress:x} is not in any PT_LOAD segment"));
            }
        }
    }

    private static List<DynamicEntry> ParseDynamicEntries(ReadOnlySpan<byte> bytes, ElfByteOrder order, out bool terminated)
    {
        var entrySize = DynamicEntry.SizeFor(order.Is64Bit);
        var entries = new List<DynamicEntry>();
        terminated = false;
        for (var at = 0; at + entrySize <= bytes.Length; at += entrySize)
        {
            var entry = DynamicEntry.Parse(bytes[at..], order);
            if (entry.Tag == DynamicEntry.TagNull)
            {
                terminated = true;
                break;
            }

            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>
    /// Walks Elf_Verneed and its Elf_Vernaux entries the way glibc's ld.so does (_dl_check_map_versions): following
    /// vn_next/vna_next until zero and ignoring vn_cnt and DT_VERNEEDNUM, since ld.so is what fails at start-up.
    /// Offsets only grow (the next-offsets are unsigned and zero ends a chain), and the walk is capped, so it ends.
    /// </summary>
    private static async Task ReadVersionNeedsAsync(
        BoundedContentReader reader,
        ElfByteOrder order,
        ulong needOffset,
        DynamicStringTable strings,
        State state,
        CancellationToken cancellationToken)
    {
        var walked = 0;
        while (true)
        {
            if (++walked > MaxVersionEntries)
            {
                state.Report(string.Create(CultureInfo.InvariantCulture, $"the version needs (DT_VERNEED) hold more than {MaxVersionEntries} entries"));
                return;
            }

            var needBytes = await reader.ReadAsync(needOffset, VersionNeed.Size, cancellationToken, VersionNeedsReadAhead).ConfigureAwait(false);
            if (needBytes.Length < VersionNeed.Size)
            {
                state.Report("the version needs (DT_VERNEED) run past the end of the file");
                return;
            }

            var need = VersionNeed.Parse(needBytes.Span, order);
            var library = await strings.GetAsync(need.File, cancellationToken).ConfigureAwait(false);
            if (library is null)
            {
                state.Report("a version-needs library name lies outside the dynamic string table");
            }

            var auxOffset = needOffset + need.AuxOffset;
            while (true)
            {
                if (++walked > MaxVersionEntries)
                {
                    state.Report(string.Create(CultureInfo.InvariantCulture, $"the version needs (DT_VERNEED) hold more than {MaxVersionEntries} entries"));
                    return;
                }

                var auxBytes = await reader.ReadAsync(auxOffset, VersionNeedAux.Size, cancellationToken, VersionNeedsReadAhead).ConfigureAwait(false);
                if (auxBytes.Length < VersionNeedAux.Size)
                {
                    state.Report("the version needs (DT_VERNEED) run past the end of the file");
                    return;
                }

                var aux = VersionNeedAux.Parse(auxBytes.Span, order);
                var name = await strings.GetAsync(aux.Name, cancellationToken).ConfigureAwait(false);
                if (name is null)
                {
                    state.Report("a version name lies outside the dynamic string table");
                }
                else if (library is not null)
                {
                    state.AddVersionNeed(new LibraryVersionNeed(library, name, (aux.Flags & VersionNeedAux.FlagWeak) != 0));
                }

                if (aux.NextOffset == 0)
                {
                    break;
                }

                auxOffset += aux.NextOffset;
            }

            if (need.NextOffset == 0)
            {
                return;
            }

            needOffset += need.NextOffset;
        }
    }

    /// <summary>
    /// Walks Elf_Verdef and the first Elf_Verdaux of each (the version's own name; later ones name its parents) the way
    /// ld.so does to match a need: following vd_next until zero, skipping the base entry that names the file itself.
    /// </summary>
    private static async Task ReadVersionDefinitionsAsync(
        BoundedContentReader reader,
        ElfByteOrder order,
        ulong definitionOffset,
        DynamicStringTable strings,
        State state,
        CancellationToken cancellationToken)
    {
        var definitions = new List<string>();
        for (var walked = 1; ; walked++)
        {
            if (walked > MaxVersionEntries)
            {
                state.Report(string.Create(CultureInfo.InvariantCulture, $"the version definitions (DT_VERDEF) hold more than {MaxVersionEntries} entries"));
                break;
            }

            var bytes = await reader.ReadAsync(definitionOffset, VersionDefinition.Size, cancellationToken, VersionNeedsReadAhead).ConfigureAwait(false);
            if (bytes.Length < VersionDefinition.Size)
            {
                state.Report("the version definitions (DT_VERDEF) run past the end of the file");
                break;
            }

            var definition = VersionDefinition.Parse(bytes.Span, order);
            if ((definition.Flags & VersionDefinition.FlagBase) == 0 && definition.AuxCount > 0)
            {
                var auxBytes = await reader.ReadAsync(definitionOffset + definition.AuxOffset, VersionDefinitionAux.Size, cancellationToken, VersionNeedsReadAhead).ConfigureAwait(false);
                if (auxBytes.Length < VersionDefinitionAux.Size)
                {
                    state.Report("the version definitions (DT_VERDEF) run past the end of the file");
                    break;
                }

                if (await strings.GetAsync(VersionDefinitionAux.Parse(auxBytes.Span, order).Name, cancellationToken).ConfigureAwait(false) is { } name)
                {
                    definitions.Add(name);
                }
                else
                {
                    state.Report("a version name lies outside the dynamic string table");
                }
            }

            if (definition.NextOffset == 0)
            {
                break;
            }

            definitionOffset += definition.NextOffset;
        }

        state.VersionDefinitions = definitions;
    }

    /// <summary>A DT_RPATH or DT_RUNPATH value as ld.so splits it: on <c>:</c>, an empty element meaning the working directory.</summary>
    private static string[]? SplitSearchPath(string? value) => value?.Split(':');

    private static bool TryMapAddress(IReadOnlyList<ProgramHeader> programHeaders, ulong address, out ulong fileOffset)
    {
        foreach (var programHeader in programHeaders)
        {
            if (programHeader.TryMap(address, out fileOffset))
            {
                return true;
            }
        }

        fileOffset = 0;
        return false;
    }

    private sealed class State(ElfHeader header)
    {
        public string? Problem { get; private set; }
        public ElfLinkage Linkage { get; set; } = ElfLinkage.Static;
        public string? Interpreter { get; set; }
        public bool IsGo { get; set; }
        public bool VersionNeedsFromPrefix { get; set; }
        public GoBuildInfo? GoBuild { get; set; }
        public string? GoRpcOnlyClient { get; set; }
        public SortedSet<Version> GlibcVersions { get; } = [];
        public List<string> NeededLibraries { get; } = [];
        public List<LibraryVersionNeed> VersionNeeds { get; } = [];
        public string? SoName { get; set; }
        public IReadOnlyList<string>? RPath { get; set; }
        public IReadOnlyList<string>? RunPath { get; set; }
        public IReadOnlyList<string>? VersionDefinitions { get; set; }

        public void AddVersionNeed(LibraryVersionNeed need)
        {
            VersionNeeds.Add(need);
            if (GlibcVersion.TryParse(need.Version, out var version))
            {
                GlibcVersions.Add(version);
            }
        }

        /// <summary>Keeps the first problem: later ones are usually its consequences.</summary>
        public void Report(string problem) => Problem ??= problem;

        public ElfFacts Fail(string problem)
        {
            Report(problem);
            return ToFacts();
        }

        public ElfFacts ToFacts() => new(
            header.Is64Bit,
            header.IsLittleEndian,
            header.Machine,
            ElfMachineNames.For(header.Machine, header.Is64Bit, header.IsLittleEndian),
            header.Type,
            Linkage,
            Interpreter,
            [.. GlibcVersions],
            [.. NeededLibraries],
            IsGo,
            Problem,
            VersionNeedsFromPrefix,
            GoBuild,
            [.. VersionNeeds],
            SoName,
            RPath,
            RunPath,
            VersionDefinitions,
            GoRpcOnlyClient);
    }
}
