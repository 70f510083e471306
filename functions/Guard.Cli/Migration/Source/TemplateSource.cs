using System.IO.Compression;
using Guard.Inspection.Rules;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// A SAM or CloudFormation template, YAML or JSON (read as YAML 1.2, so one reader gives spans for both):
/// <c>Runtime</c> (a function's own or <c>Globals.Function</c>'s), <c>Handler: bootstrap</c> for a go1.x function,
/// and <c>Metadata: BuildMethod: go1.x</c> on a SAM function built from source, so <c>sam build</c> names its
/// binary <c>bootstrap</c> (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-custom-runtimes.html).
/// Architectures are left as they are: the binary's CPU does not change with the runtime.
/// </summary>
internal static class TemplateSource
{
    private const string BuildMethod = "go1.x";

    /// <summary>Whether the file is a template at all: a mapping with Resources.</summary>
    public static bool IsTemplate(YamlSpanNode? root) =>
        root is YamlSpanMapping mapping && mapping["Resources"] is YamlSpanMapping &&
        (mapping["AWSTemplateFormatVersion"] is not null || mapping["Transform"] is not null ||
         ((YamlSpanMapping)mapping["Resources"]!).Entries.Any(e => e.Value is YamlSpanMapping r && r.ScalarValue("Type")?.StartsWith("AWS::", StringComparison.Ordinal) == true));

    public static void Migrate(SourceFile file, YamlSpanMapping root, SourceMigration run)
    {
        var resources = (YamlSpanMapping)root["Resources"]!;
        var json = root.Flow;
        var globals = (root["Globals"] as YamlSpanMapping)?["Function"] as YamlSpanMapping;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        foreach (var (key, value) in resources.Entries)
        {
            if (value is not YamlSpanMapping resource)
            {
                continue;
            }

            var type = resource.ScalarValue("Type");
            var sam = type == "AWS::Serverless::Function";
            if (!sam && type != "AWS::Lambda::Function")
            {
                continue;
            }

            var properties = resource["Properties"] as YamlSpanMapping;
            if (properties?.ScalarValue("PackageType") == "Image")
            {
                continue;
            }

            var id = key.Value;
            var runtimeNode = properties?["Runtime"] ?? (sam ? globals?["Runtime"] : null);
            if (runtimeNode is null)
            {
                continue;
            }

            if (runtimeNode is not YamlSpanScalar { Tag: null, IsInline: true } runtime)
            {
                if (ParameterDefault(root, runtimeNode) is { } parameter && run.Target.Moves(parameter.Default))
                {
                    run.FunctionsMoved++;
                    run.Manual(file, runtimeNode.Start, $"{id}: Runtime comes from the parameter {parameter.Name} (default {parameter.Default})",
                        $"set {parameter.Name}'s Default (and AllowedValues, and any --parameter-overrides) to {run.Target.Runtime}, and Handler to bootstrap for a go1.x function");
                }

                continue;
            }

            if (!run.Target.Moves(runtime.Value))
            {
                continue;
            }

            run.FunctionsMoved++;
            var where = properties?["Runtime"] is null ? "Globals.Function.Runtime" : "Runtime";
            if (Edit(file, runtime, run.Target.Runtime))
            {
                run.Changed(file, runtime.Start, $"{where}: {runtime.Value} -> {run.Target.Runtime}{(where == "Runtime" ? $" ({id})" : "")}");
            }

            var architecture = ArchitectureOf(properties) ?? ArchitectureOf(sam ? globals : null) ?? Architecture.X8664;
            string? binary = null;
            if (runtime.Value == MigrationTarget.Go1x)
            {
                run.MovedGoFunction = true;
                var handlerNode = properties?["Handler"] ?? (sam ? globals?["Handler"] : null);
                if (handlerNode is YamlSpanScalar { Tag: null, IsInline: true } handler)
                {
                    binary = handler.Value;
                    if (Edit(file, handler, MigrationTarget.Bootstrap))
                    {
                        run.Changed(file, handler.Start, $"{(properties?["Handler"] is null ? "Globals.Function.Handler" : "Handler")}: {handler.Value} -> bootstrap ({id})");
                    }
                }
                else if (handlerNode is not null)
                {
                    run.Manual(file, handlerNode.Start, $"{id}: Handler is computed", "set it to bootstrap (a custom runtime starts /var/task/bootstrap and ignores Handler)");
                }
            }

            if (sam)
            {
                MigrateSamCode(file, run, folder, id, resource, properties, globals, json, binary, architecture, runtime.Value);
            }
            else
            {
                MigrateLambdaCode(file, run, folder, id, properties, binary, architecture, runtime.Value);
            }
        }
    }

    private static void MigrateSamCode(
        SourceFile file, SourceMigration run, string folder, string id, YamlSpanMapping resource, YamlSpanMapping? properties, YamlSpanMapping? globals,
        bool json, string? binary, Architecture architecture, string runtime)
    {
        if (properties?["InlineCode"] is not null)
        {
            return;
        }

        var codeUri = properties?["CodeUri"] ?? globals?["CodeUri"];
        var built = Path.Combine(folder, ".aws-sam", "build", id);
        if (Directory.Exists(built))
        {
            run.Packages.Add(new BuiltPackage(built, Binary(built, binary), architecture, id));
        }

        if (codeUri is YamlSpanMapping || codeUri is YamlSpanScalar { Tag: not null } || codeUri is YamlSpanScalar s3 && s3.Value.StartsWith("s3://", StringComparison.Ordinal))
        {
            RemotePackage(file, run, codeUri, id, "CodeUri", binary);
            return;
        }

        var path = Path.Combine(folder, (codeUri as YamlSpanScalar)?.Value ?? ".");
        if (File.Exists(path) || path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            LocalZip(file, run, codeUri ?? resource, id, path, binary, architecture);
            return;
        }

        // Built from source by sam build: only go1.x functions lack a BuildMethod (provided ones needed one already).
        if (runtime == MigrationTarget.Go1x)
        {
            EnsureBuildMethod(file, run, id, resource, json, folder, path);
        }
    }

    private static void MigrateLambdaCode(
        SourceFile file, SourceMigration run, string folder, string id, YamlSpanMapping? properties, string? binary, Architecture architecture, string runtime)
    {
        var code = properties?["Code"];
        if (runtime != MigrationTarget.Go1x || code is null || code is YamlSpanMapping { } inline && inline["ZipFile"] is not null)
        {
            return;
        }

        if (code is YamlSpanScalar { Tag: null } local && !local.Value.StartsWith("s3://", StringComparison.Ordinal))
        {
            // A path that aws cloudformation package uploads: a zip as it is, a folder zipped as it is.
            var path = Path.Combine(folder, local.Value);
            if (Directory.Exists(path))
            {
                run.Packages.Add(new BuiltPackage(path, Binary(path, binary), architecture, id));
                if (!File.Exists(Path.Combine(path, MigrationTarget.Bootstrap)))
                {
                    run.Manual(file, code.Start, $"{id}: Code {local.Value} is zipped as it is by aws cloudformation package, and holds no bootstrap",
                        $"build the binary into it as bootstrap (GOOS=linux go build -tags lambda.norpc -o {Path.Combine(local.Value, "bootstrap")} .)");
                }
            }
            else
            {
                LocalZip(file, run, code, id, path, binary, architecture);
            }

            return;
        }

        RemotePackage(file, run, code, id, "Code", binary);
    }

    /// <summary>An uploaded package Guard cannot read here: after the move it must hold the binary as bootstrap.</summary>
    private static void RemotePackage(SourceFile file, SourceMigration run, YamlSpanNode code, string id, string property, string? binary)
    {
        if (binary is null or MigrationTarget.Bootstrap)
        {
            return;
        }

        run.Manual(file, code.Start, $"{id}: {property} names an uploaded package whose binary is '{binary}'; a custom runtime starts only bootstrap",
            $"repackage it: guard package {binary} --out dist, upload dist/{Path.GetFileName(binary)}.zip and point {property} at it");
    }

    /// <summary>A prebuilt zip: after the move its binary must be bootstrap; when it is at hand, the check tells the rest.</summary>
    private static void LocalZip(SourceFile file, SourceMigration run, YamlSpanNode code, string id, string path, string? binary, Architecture architecture)
    {
        if (!File.Exists(path))
        {
            if (binary is not null and not MigrationTarget.Bootstrap)
            {
                run.Manual(file, code.Start, $"{id}: the package {Path.GetFileName(path)} must hold the binary as bootstrap, not '{binary}'",
                    $"build it with: guard package {binary} --out {Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(file.Path))!, Path.GetDirectoryName(Path.GetFullPath(path))!)}");
            }

            return;
        }

        run.Packages.Add(BuiltPackage.Zip(path, binary, architecture, id));
        if (binary is not null and not MigrationTarget.Bootstrap && !ZipHas(path, MigrationTarget.Bootstrap))
        {
            run.Manual(file, code.Start, $"{id}: {Path.GetFileName(path)} holds '{binary}', not bootstrap",
                $"rebuild it with: guard package {binary} --out {Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(file.Path))!, Path.GetDirectoryName(path)!)}");
        }
    }

    private static void EnsureBuildMethod(SourceFile file, SourceMigration run, string id, YamlSpanMapping resource, bool json, string folder, string codeFolder)
    {
        var metadata = resource.Entry("Metadata");
        if (metadata?.Value is YamlSpanMapping existing)
        {
            var method = existing.ScalarValue("BuildMethod");
            if (method == BuildMethod)
            {
                return;
            }

            if (method == "makefile")
            {
                var makefile = Path.Combine(codeFolder, "Makefile");
                var target = $"build-{id}";
                var text = File.Exists(makefile) ? File.ReadAllText(makefile) : "";
                if (!text.Contains(target, StringComparison.Ordinal) || !text.Contains("$(ARTIFACTS_DIR)/bootstrap", StringComparison.Ordinal))
                {
                    run.Manual(file, existing.Start, $"{id}: BuildMethod makefile, and {Path.GetRelativePath(folder, makefile)} does not write $(ARTIFACTS_DIR)/bootstrap in {target}",
                        $"make {target} build the binary as $(ARTIFACTS_DIR)/bootstrap, or set BuildMethod: go1.x");
                }

                return;
            }

            if (method is not null)
            {
                run.Manual(file, existing.Start, $"{id}: BuildMethod {method}", "use BuildMethod: go1.x, or make sure the build writes the binary as bootstrap");
                return;
            }

            var first = existing.Entries.Count > 0 ? existing.Entries[0].Key : null;
            if (existing.Flow && !json || first is null || file.IndentationBefore(first.Start) is not { } inner)
            {
                run.Manual(file, existing.Start, $"{id}: Metadata is written on one line", "add BuildMethod: go1.x to it");
                return;
            }

            file.Insert(file.LineStart(first.Start), json ? $"{inner}\"BuildMethod\": \"{BuildMethod}\",{file.NewLine}" : $"{inner}BuildMethod: {BuildMethod}{file.NewLine}");
            run.Changed(file, first.Start, $"Metadata.BuildMethod: {BuildMethod} ({id}: sam build names the binary bootstrap)");
            return;
        }

        if (metadata is not null)
        {
            run.Manual(file, metadata.Value.Key.Start, $"{id}: Metadata is not a mapping", "make it one with BuildMethod: go1.x");
            return;
        }

        var anchor = resource.Entry("Properties")?.Key ?? resource.Entry("Type")?.Key;
        if (anchor is null || resource.Flow && !json || file.IndentationBefore(anchor.Start) is not { } indent)
        {
            run.Manual(file, resource.Start, $"{id}: the resource is written on one line", "add Metadata: { BuildMethod: go1.x }");
            return;
        }

        var step = Step(file, resource["Properties"] as YamlSpanMapping, indent, json);
        var nl = file.NewLine;
        var text2 = json
            ? $"{indent}\"Metadata\": {{{nl}{indent}{step}\"BuildMethod\": \"{BuildMethod}\"{nl}{indent}}},{nl}"
            : $"{indent}Metadata:{nl}{indent}{step}BuildMethod: {BuildMethod}{nl}";
        file.Insert(file.LineStart(anchor.Start), text2);
        run.Changed(file, anchor.Start, $"Metadata.BuildMethod: {BuildMethod} ({id}: sam build names the binary bootstrap)");
    }

    /// <summary>The file's own indentation step, read from how Properties' keys sit under it.</summary>
    private static string Step(SourceFile file, YamlSpanMapping? properties, string indent, bool json)
    {
        if (properties is { Entries.Count: > 0 } && file.IndentationBefore(properties.Entries[0].Key.Start) is { } inner && inner.Length > indent.Length && inner.StartsWith(indent, StringComparison.Ordinal))
        {
            return inner[indent.Length..];
        }

        return json ? "    " : "  ";
    }

    /// <summary>Replaces a scalar's characters (inside its quotes); false when it already reads so.</summary>
    internal static bool Edit(SourceFile file, YamlSpanScalar scalar, string value)
    {
        if (scalar.Value == value)
        {
            return false;
        }

        var (start, length) = scalar.ValueSpan;
        file.Replace(start, length, value);
        return true;
    }

    private static Architecture? ArchitectureOf(YamlSpanMapping? properties) =>
        properties?["Architectures"] is YamlSpanSequence { Items: [YamlSpanScalar { Tag: null } first, ..] } && ArchitectureNames.TryParse(first.Value, out var architecture)
            ? architecture : null;

    private static (string Name, string? Default)? ParameterDefault(YamlSpanMapping root, YamlSpanNode node)
    {
        var name = node switch
        {
            YamlSpanScalar { Tag: "!Ref" } reference => reference.Value,
            YamlSpanMapping { Entries: [var only] } when only.Key.Value == "Ref" && only.Value is YamlSpanScalar target => target.Value,
            _ => null,
        };
        return name is not null && (root["Parameters"] as YamlSpanMapping)?[name] is YamlSpanMapping parameter ? (name, parameter.ScalarValue("Default")) : null;
    }

    /// <summary>The file in a built folder that becomes bootstrap: bootstrap when it is there, else the old Handler's.</summary>
    private static string? Binary(string folder, string? handler) =>
        File.Exists(Path.Combine(folder, MigrationTarget.Bootstrap)) ? MigrationTarget.Bootstrap : handler;

    internal static bool ZipHas(string zip, string name)
    {
        try
        {
            using var archive = ZipFile.OpenRead(zip);
            return archive.GetEntry(name) is not null;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
