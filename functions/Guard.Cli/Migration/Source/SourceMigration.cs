using Guard.Inspection.Rules;

namespace Guard.Cli.Migration.Source;

/// <summary>What a line of the report is: an edit made, a step left to the user (exit 1), or a fact worth knowing.</summary>
internal enum NoteKind
{
    Changed,
    Manual,
    Info,
}

/// <param name="Step">For a manual step: what to do, as a command or an edit.</param>
internal sealed record MigrationNote(string File, int Line, NoteKind Kind, string Text, string? Step = null);

/// <summary>
/// A package already built from the source, to be checked on the target runtime before anything is written.
/// </summary>
/// <param name="Path">A zip, or a folder as <c>sam build</c> leaves it.</param>
/// <param name="Binary">The entry (or file in the folder) that becomes <c>bootstrap</c>: the old go1.x Handler, or null when the package has one.</param>
/// <param name="Function">Which function it is, for the report.</param>
/// <param name="BinaryOnly">For a folder: only the binary goes in the package (archive_file's source_file), not its neighbours.</param>
internal sealed record BuiltPackage(string Path, string? Binary, Architecture Architecture, string Function, bool BinaryOnly = false)
{
    /// <summary>A zip: its own bootstrap when it has one (then the old Handler's name no longer matters), else the Handler's file.</summary>
    public static BuiltPackage Zip(string path, string? binary, Architecture architecture, string function) =>
        new(path, binary is null || TemplateSource.ZipHas(path, MigrationTarget.Bootstrap) ? null : binary, architecture, function);
}

/// <summary>The runtimes a source migration moves, and where it moves them.</summary>
internal sealed record MigrationTarget(string Runtime)
{
    public const string Go1x = "go1.x";
    public const string Bootstrap = "bootstrap";

    /// <summary>go1.x and provided are retired; provided.al2 moves too when the target is provided.al2023.</summary>
    public bool Moves(string? runtime) =>
        runtime is Go1x or "provided" || (runtime == "provided.al2" && Runtime == "provided.al2023");
}

/// <summary>Everything one run of <c>guard migrate PATH</c> found: the files with their edits, the notes, the packages to check.</summary>
internal sealed class SourceMigration(MigrationTarget target)
{
    private readonly List<SourceFile> _files = [];

    public MigrationTarget Target => target;

    public List<MigrationNote> Notes { get; } = [];

    public List<BuiltPackage> Packages { get; } = [];

    public IReadOnlyList<SourceFile> Files => _files;

    /// <summary>True once a go1.x function was moved: its binary must now be packed as bootstrap, so build scripts matter.</summary>
    public bool MovedGoFunction { get; set; }

    /// <summary>Functions found on a runtime this run moves.</summary>
    public int FunctionsMoved { get; set; }

    public void Add(SourceFile file)
    {
        if (!_files.Contains(file))
        {
            _files.Add(file);
        }
    }

    /// <summary>One line per edit, however many functions share it (a provider or Globals runtime).</summary>
    public void Changed(SourceFile file, int position, string text)
    {
        var note = new MigrationNote(file.Path, file.LineOf(position), NoteKind.Changed, text);
        if (!Notes.Contains(note))
        {
            Notes.Add(note);
        }
    }

    public void Manual(SourceFile file, int position, string text, string step) =>
        Notes.Add(new MigrationNote(file.Path, file.LineOf(position), NoteKind.Manual, text, step));

    public void Info(SourceFile file, int position, string text) =>
        Notes.Add(new MigrationNote(file.Path, file.LineOf(position), NoteKind.Info, text));
}
