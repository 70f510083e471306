namespace Guard.Cli.Apps.Templates;

/// <summary>
/// SAM's Globals merge (samtranslator/plugins/globals/globals.py, <c>GlobalProperties._do_merge</c>): the
/// resource's value wins for scalars, intrinsics (treated as scalars) and mismatched types; mappings merge key by
/// key; lists concatenate, Globals first, without de-duplicating — so <c>Layers</c> from Globals come before the
/// function's own, and a later layer wins on <c>/opt</c>.
/// </summary>
internal static class GlobalsMerge
{
    public static MappingNode Merge(MappingNode? globals, MappingNode local) =>
        globals is null ? local : (MappingNode)MergeValue(globals, local);

    private static TemplateNode MergeValue(TemplateNode global, TemplateNode local) => (global, local) switch
    {
        (MappingNode g, MappingNode l) when !g.IsIntrinsic(out _, out _) && !l.IsIntrinsic(out _, out _) => MergeMappings(g, l),
        (SequenceNode g, SequenceNode l) => l with { Items = [.. g.Items, .. l.Items] },
        _ => local,
    };

    private static MappingNode MergeMappings(MappingNode global, MappingNode local)
    {
        var entries = global.Distinct.ToList();
        foreach (var entry in local.Distinct)
        {
            var index = entries.FindIndex(e => e.Key == entry.Key);
            if (index < 0)
            {
                entries.Add(entry);
            }
            else
            {
                entries[index] = entry with { Value = MergeValue(entries[index].Value, entry.Value) };
            }
        }

        return local with { Entries = entries };
    }
}
