using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Guard.Inspection.Rules;

/// <summary>
/// What one runtime image holds for ld.so, as far as a source settles it (<c>images.json</c>): the shared libraries it
/// has, with the symbol versions each provides, and the sonames it is known to lack. When a source lists the image's
/// whole package set and the catalog lists every library those packages ship (<paramref name="complete"/>), a soname
/// outside that set is absent too; otherwise a soname in neither list is unknown, and Guard says so as a warning,
/// never as "broken".
/// </summary>
/// <param name="complete">Why a soname the list lacks is absent (which source lists every package), said in findings;
/// null when no source settles that the list is whole.</param>
public sealed class RuntimeImage(IEnumerable<ImageLibrary> libraries, IEnumerable<AbsentLibrary> absent, string? complete = null)
{
    private readonly Dictionary<string, ImageLibrary> _libraries = libraries.ToDictionary(l => l.SoName, StringComparer.Ordinal);
    private readonly Dictionary<string, AbsentLibrary> _absent = absent.ToDictionary(l => l.SoName, StringComparer.Ordinal);

    /// <summary>An image Guard knows nothing of: every library is unknown.</summary>
    public static RuntimeImage Unknown { get; } = new([], []);

    /// <summary>Whether the catalog has anything to say about this image.</summary>
    public bool IsCatalogued => _libraries.Count > 0 || _absent.Count > 0;

    /// <summary>Whether the catalog lists every shared library the image has, so any other soname is absent.</summary>
    public bool IsComplete => complete is not null;

    /// <summary>The image's own library of that soname, when the catalog lists it.</summary>
    public ImageLibrary? Find(string soName) => _libraries.GetValueOrDefault(soName);

    /// <summary>
    /// The image's own library at an absolute path (a DT_NEEDED with a slash is opened as given); /lib64 and /usr/lib64
    /// are one directory on Amazon Linux.
    /// </summary>
    public ImageLibrary? FindByPath(string path)
    {
        var merged = path.StartsWith("/usr/lib64/", StringComparison.Ordinal) ? "/lib64/" + path["/usr/lib64/".Length..] : path;
        return _libraries.Values.FirstOrDefault(l => l.Path == path || l.Path == merged || "/usr" + l.Path == path);
    }

    /// <summary>
    /// Why the image lacks <paramref name="soName"/>, when a source settles that it does: it is listed as absent, or
    /// the catalog is complete and does not list it.
    /// </summary>
    public AbsentLibrary? FindAbsent(string soName) =>
        _absent.GetValueOrDefault(soName)
        ?? (complete is not null && !_libraries.ContainsKey(soName)
            ? new AbsentLibrary(soName, complete, null)
            : null);
}

/// <summary>A shared library of the runtime's image.</summary>
/// <param name="SoName">e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Path">Where it is, e.g. <c>/usr/lib64/libstdc++.so.6</c>.</param>
/// <param name="Package">The package and version it comes from, e.g. "libstdc++ 11.4".</param>
/// <param name="Versions">The symbol versions it provides.</param>
public sealed record ImageLibrary(string SoName, string Path, string Package, IReadOnlyList<ImageLibraryVersions> Versions)
{
    /// <summary>Whether the library provides <paramref name="version"/>: null when the catalog cannot tell.</summary>
    public bool? Provides(string version)
    {
        bool? answer = null;
        foreach (var versions in Versions)
        {
            switch (versions.Provides(version))
            {
                case true:
                    return true;
                case false:
                    answer = false;
                    break;
            }
        }

        return answer;
    }
}

/// <summary>
/// Symbol versions a library provides: one exact <paramref name="Name"/>, or every <c>PREFIX</c>+<c>v</c> with v up to
/// <paramref name="UpTo"/> (a series the library only ever grows, such as <c>GLIBCXX_3.4.*</c>). Above it, none when the
/// bound is a ceiling (the package is frozen for the OS's life); unknown when <paramref name="MayGrow"/> (the OS has
/// moved the package on since the source, so later tags may be there).
/// </summary>
public sealed record ImageLibraryVersions(string? Name, string? Prefix, Version? UpTo, bool MayGrow = false)
{
    /// <summary>True when provided, false when the series stops below it, null when this entry does not speak of it.</summary>
    public bool? Provides(string version)
    {
        if (Name is not null)
        {
            return version == Name ? true : null;
        }

        if (Prefix is null || UpTo is null || !version.StartsWith(Prefix, StringComparison.Ordinal) || !TryParseDotted(version[Prefix.Length..], out var number))
        {
            return null;
        }

        return number <= UpTo ? true : MayGrow ? null : false;
    }

    /// <summary>A dotted number such as <c>3.4.30</c> or <c>2.2.5</c> (one to four parts).</summary>
    public static bool TryParseDotted(string text, out Version version)
    {
        var parts = text.Split('.');
        version = new Version();
        if (parts.Length is < 1 or > 4 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
        {
            return false;
        }

        var numbers = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).Concat([0, 0]).ToArray();
        version = parts.Length switch
        {
            1 or 2 => new Version(numbers[0], numbers[1]),
            3 => new Version(numbers[0], numbers[1], numbers[2]),
            _ => new Version(numbers[0], numbers[1], numbers[2], numbers[3]),
        };
        return true;
    }
}

/// <summary>A soname the image is known to lack.</summary>
/// <param name="Why">What the source says, e.g. "libxcrypt-compat is not in the image; only libcrypt.so.2".</param>
/// <param name="Fix">What to do instead, when the catalog knows something better than the generic fix.</param>
public sealed record AbsentLibrary(string SoName, string Why, string? Fix);

/// <summary>Reads <c>images.json</c>: the images of each runtime and architecture.</summary>
internal static class RuntimeImages
{
    public static Dictionary<(string Runtime, Architecture Architecture), RuntimeImage> Parse(string json)
    {
        var document = JsonSerializer.Deserialize(json, RuntimeImagesJsonContext.Default.RuntimeImagesDocument)
            ?? throw new InvalidDataException("images.json is empty");
        var images = new Dictionary<(string, Architecture), RuntimeImage>();
        foreach (var image in document.Images)
        {
            if (!ArchitectureNames.TryParse(image.Architecture, out var architecture))
            {
                throw new InvalidDataException($"unknown architecture '{image.Architecture}' in images.json");
            }

            images.Add((image.Runtime, architecture), new RuntimeImage(
                image.Libraries.Select(l => new ImageLibrary(l.SoName, l.Path, l.Package, [.. (l.Versions ?? []).Select(ToVersions)])),
                (image.Absent ?? []).Select(a => new AbsentLibrary(a.SoName, a.Why, a.Fix)),
                image.Complete?.Why));
        }

        return images;
    }

    private static ImageLibraryVersions ToVersions(VersionsDocument versions)
    {
        if (versions.Name is not null)
        {
            return new ImageLibraryVersions(versions.Name, null, null);
        }

        var bound = versions.UpTo ?? versions.UpToAtLeast;
        if (versions.Prefix is null || bound is null || versions.UpTo is not null && versions.UpToAtLeast is not null || !ImageLibraryVersions.TryParseDotted(bound, out var upTo))
        {
            throw new InvalidDataException($"images.json: a version entry needs a name, or a prefix and one dotted upTo or upToAtLeast (got prefix '{versions.Prefix}', upTo '{versions.UpTo}', upToAtLeast '{versions.UpToAtLeast}')");
        }

        return new ImageLibraryVersions(null, versions.Prefix, upTo, MayGrow: versions.UpToAtLeast is not null);
    }
}

internal sealed record RuntimeImagesDocument(IReadOnlyList<ImageDocument> Images);

internal sealed record ImageDocument(string Runtime, string Architecture, IReadOnlyList<LibraryDocument> Libraries, IReadOnlyList<AbsentDocument>? Absent, CompleteDocument? Complete);

/// <summary>Present when the libraries are the image's whole set: why (which source lists every package), and the sources.</summary>
internal sealed record CompleteDocument(string Why, IReadOnlyList<string> Sources);

internal sealed record LibraryDocument([property: JsonPropertyName("soname")] string SoName, string Path, string Package, IReadOnlyList<VersionsDocument>? Versions);

internal sealed record VersionsDocument(string? Name, string? Prefix, string? UpTo, string? UpToAtLeast);

internal sealed record AbsentDocument([property: JsonPropertyName("soname")] string SoName, string Why, string? Fix);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RuntimeImagesDocument))]
internal sealed partial class RuntimeImagesJsonContext : JsonSerializerContext;
