using System.Globalization;

namespace Guard.Inspection.Rules;

/// <summary>Go module versions (semantic versions with a leading <c>v</c>; golang.org/ref/mod#versions), compared only as far as is certain.</summary>
internal static class GoModuleVersions
{
    /// <summary>
    /// True when <paramref name="version"/> is certainly older than v<paramref name="major"/>.<paramref name="minor"/>.0:
    /// a release below it, or a pre-release (or pseudo-version) of a core version no later than the previous minor's
    /// .0. A pseudo-version such as <c>v1.17.1-0.20200715…</c> may name a commit that already has what the next minor
    /// release brought, so it is not "surely before"; nor is anything unparsable, such as <c>(devel)</c>.
    /// </summary>
    public static bool IsSurelyBefore(string version, int major, int minor)
    {
        if (!TryParseCore(version, out var core, out var isPrerelease))
        {
            return false;
        }

        var target = new Version(major, minor, 0);
        if (!isPrerelease)
        {
            return core < target;
        }

        // A pre-release sorts before its own core version: v1.17.0-rc1 < v1.17.0, and v1.17.1-0.x lies after v1.17.0.
        return core.Major < major || core.Major == major && (core.Minor < minor - 1 || core.Minor == minor - 1 && core.Build == 0);
    }

    private static bool TryParseCore(string version, out Version core, out bool isPrerelease)
    {
        core = new Version();
        isPrerelease = false;
        if (!version.StartsWith('v'))
        {
            return false;
        }

        var text = version[1..];
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            text = text[..plus];
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            isPrerelease = true;
            text = text[..dash];
        }

        var parts = text.Split('.');
        if (parts.Length != 3 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) ||
            !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var c))
        {
            return false;
        }

        core = new Version(a, b, c);
        return true;
    }
}
