namespace Guard.Inspection;

/// <summary>Paths on the runtime's file system, as the kernel resolves them.</summary>
internal static class RuntimePaths
{
    /// <summary>Removes <c>.</c> and <c>..</c> from an absolute path; null when <c>..</c> climbs above <c>/</c>.</summary>
    public static string? CollapseDots(string absolute)
    {
        var parts = new List<string>();
        foreach (var part in absolute.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                    break;
                default:
                    parts.Add(part);
                    break;
            }
        }

        return "/" + string.Join('/', parts);
    }
}
