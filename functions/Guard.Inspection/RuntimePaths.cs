namespace Guard.Inspection;

/// <summary>Paths on the runtime's file system, as the kernel resolves them.</summary>
internal static class RuntimePaths
{
    /// <summary>
    /// Removes <c>.</c> and <c>..</c> from an absolute path. <c>..</c> at the root stays at the root, as the kernel
    /// resolves it (path_resolution(7): "/.." is "/"), so <c>/var/task/../../../bin/sh</c> is <c>/bin/sh</c>.
    /// </summary>
    public static string CollapseDots(string absolute)
    {
        var parts = new List<string>();
        foreach (var part in absolute.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case ".":
                    continue;
                case "..":
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    break;
                default:
                    parts.Add(part);
                    break;
            }
        }

        return "/" + string.Join('/', parts);
    }
}
