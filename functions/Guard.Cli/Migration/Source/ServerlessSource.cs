using Guard.Inspection.Rules;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// A Serverless Framework <c>serverless.yml</c>: <c>provider.runtime</c> and each function's <c>runtime</c>, and
/// for a go1.x function its <c>handler</c> and its package. A custom runtime starts the zip's root
/// <c>bootstrap</c>, while the framework zips the service's files as they lie (<c>bin/hello</c>), so each Go
/// function gets <c>package: artifact:</c> naming its own zip (what <c>guard package</c> writes) and the service
/// <c>package: individually: true</c> (https://www.serverless.com/framework/docs/providers/aws/guide/packaging).
/// </summary>
internal static class ServerlessSource
{
    public static void Migrate(SourceFile file, SourceMigration run, bool explicitFile)
    {
        YamlSpanNode? parsed;
        try
        {
            parsed = YamlTree.Read(file.Text);
        }
        catch (FormatException e) when (!explicitFile)
        {
            run.Manual(file, 0, $"cannot be read ({e.Message})", "migrate its functions by hand, or fix the file and run again");
            return;
        }

        if (parsed is not YamlSpanMapping root || root["functions"] is not YamlSpanMapping functions)
        {
            return;
        }

        run.Add(file);
        var provider = root["provider"] as YamlSpanMapping;
        var providerRuntime = provider?["runtime"] as YamlSpanScalar;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        var service = root.ScalarValue("service");
        var toPackage = new List<string>();
        foreach (var (key, value) in functions.Entries)
        {
            if (value is not YamlSpanMapping function || function["image"] is not null)
            {
                continue;
            }

            var runtime = function["runtime"] as YamlSpanScalar ?? providerRuntime;
            if (runtime is not { Tag: null, IsInline: true } || !run.Target.Moves(runtime.Value))
            {
                continue;
            }

            run.FunctionsMoved++;
            var own = function["runtime"] is not null;
            if (TemplateSource.Edit(file, runtime, run.Target.Runtime))
            {
                run.Changed(file, runtime.Start, $"{(own ? $"functions.{key.Value}.runtime" : "provider.runtime")}: {runtime.Value} -> {run.Target.Runtime}");
            }

            var architecture = ArchitectureNames.TryParse(function.ScalarValue("architecture") ?? provider?.ScalarValue("architecture"), out var a) ? a : Architecture.X8664;
            if (runtime.Value != MigrationTarget.Go1x)
            {
                continue;
            }

            run.MovedGoFunction = true;
            if (function.Entry("handler") is not ({ } handlerKey, YamlSpanScalar { Tag: null, IsInline: true } handler))
            {
                continue;
            }

            var binary = handler.Value;
            if (TemplateSource.Edit(file, handler, MigrationTarget.Bootstrap))
            {
                run.Changed(file, handler.Start, $"functions.{key.Value}.handler: {binary} -> bootstrap");
            }

            foreach (var built in new[] { $"{key.Value}.zip", $"{service}.zip" })
            {
                var zip = Path.Combine(folder, ".serverless", built);
                if (service is not null && File.Exists(zip))
                {
                    run.Packages.Add(BuiltPackage.Zip(zip, binary, architecture, key.Value));
                    break;
                }
            }

            if (binary == MigrationTarget.Bootstrap)
            {
                continue;
            }

            var package = function["package"] as YamlSpanMapping;
            if (package?.ScalarValue("artifact") is { } artifact)
            {
                var path = Path.Combine(folder, artifact);
                if (!File.Exists(path) || !TemplateSource.ZipHas(path, MigrationTarget.Bootstrap))
                {
                    toPackage.Add(binary);
                }

                continue;
            }

            var zipName = $"{(Path.GetDirectoryName(binary) is { Length: > 0 } dir ? dir.Replace('\\', '/') + "/" : "")}{Path.GetFileName(binary)}.zip";
            var keyIndent = file.IndentationBefore(key.Start);
            var indent = file.IndentationBefore(handlerKey.Start);
            if (keyIndent is null || indent is null || indent.Length <= keyIndent.Length || function.Flow || package is { Flow: true })
            {
                run.Manual(file, key.Start, $"functions.{key.Value} is written on one line", $"add package: {{ artifact: {zipName} }} to it");
                continue;
            }

            var nl = file.NewLine;
            if (package is { Entries.Count: > 0 } && file.IndentationBefore(package.Entries[0].Key.Start) is { } inner)
            {
                file.Insert(file.LineStart(package.Entries[0].Key.Start), $"{inner}artifact: {zipName}{nl}");
            }
            else
            {
                var step = indent[keyIndent.Length..];
                var after = LineAfter(file, handler.End);
                // A file that ends on the handler's line gets its line ended first.
                var lead = after == file.Text.Length && !file.Text.EndsWith('\n') ? nl : "";
                file.Insert(after, $"{lead}{indent}package:{nl}{indent}{step}artifact: {zipName}{nl}");
            }

            run.Changed(file, handler.Start, $"functions.{key.Value}.package.artifact: {zipName} (its binary as bootstrap)");
            toPackage.Add(binary);
        }

        if (toPackage.Count == 0)
        {
            return;
        }

        Individually(file, root, functions, run);
        foreach (var group in toPackage.GroupBy(b => Path.GetDirectoryName(b) is { Length: > 0 } d ? d : ".", StringComparer.Ordinal))
        {
            run.Manual(file, functions.Start, $"each Go function's zip must hold its binary as bootstrap ({string.Join(", ", group)})",
                $"after go build, run: guard package {string.Join(' ', group)} --out {group.Key}");
        }
    }

    /// <summary><c>package: individually: true</c>, so the framework takes each function's artifact instead of one service zip.</summary>
    private static void Individually(SourceFile file, YamlSpanMapping root, YamlSpanMapping functions, SourceMigration run)
    {
        var package = root.Entry("package");
        if (package?.Value is YamlSpanMapping existing)
        {
            if (existing.Entry("individually") is { } individually)
            {
                if (individually.Value is YamlSpanScalar { Tag: null } flag && !string.Equals(flag.Value, "true", StringComparison.OrdinalIgnoreCase))
                {
                    TemplateSource.Edit(file, flag, "true");
                    run.Changed(file, flag.Start, "package.individually: true (each function deploys its own artifact)");
                }

                return;
            }

            if (existing is { Flow: false, Entries.Count: > 0 } && file.IndentationBefore(existing.Entries[0].Key.Start) is { } inner)
            {
                file.Insert(file.LineStart(existing.Entries[0].Key.Start), $"{inner}individually: true{file.NewLine}");
                run.Changed(file, existing.Start, "package.individually: true (each function deploys its own artifact)");
                return;
            }

            run.Manual(file, existing.Start, "package is written on one line", "add individually: true to it");
            return;
        }

        var functionsKey = root.Entry("functions")!.Value.Key;
        if (file.IndentationBefore(functionsKey.Start) is not "" || root.Flow)
        {
            run.Manual(file, functions.Start, "the file's top level is not laid out one key a line", "add package: { individually: true }");
            return;
        }

        var step = functions.Entries.Count > 0 && file.IndentationBefore(functions.Entries[0].Key.Start) is { Length: > 0 } s ? s : "  ";
        file.Insert(file.LineStart(functionsKey.Start), $"package:{file.NewLine}{step}individually: true{file.NewLine}{file.NewLine}");
        run.Changed(file, functionsKey.Start, "package.individually: true (each function deploys its own artifact)");
    }

    private static int LineAfter(SourceFile file, int position)
    {
        var newline = file.Text.IndexOf('\n', position);
        return newline < 0 ? file.Text.Length : newline + 1;
    }
}
