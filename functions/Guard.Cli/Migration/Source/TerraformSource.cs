using Guard.Inspection.Rules;

namespace Guard.Cli.Migration.Source;

/// <summary>
/// Terraform: <c>runtime</c> and <c>handler</c> of each <c>aws_lambda_function</c> resource and each
/// terraform-aws-modules/lambda module block (its inputs have the same names), as string literals edited in place so
/// <c>terraform fmt</c> has nothing to say. The package is followed where the configuration says it: a
/// <c>data "archive_file"</c> that zips the binary under its own name must zip it as bootstrap, which its
/// <c>source_file</c> cannot rename — that is a manual step, with the change it needs.
/// </summary>
internal static class TerraformSource
{
    private const string LambdaModule = "terraform-aws-modules/lambda";

    /// <param name="module">Every .tf file of the folder, for the archive_file and variable blocks functions name.</param>
    /// <param name="editable">The files whose functions are migrated.</param>
    public static void Migrate(IReadOnlyList<SourceFile> module, IReadOnlyList<SourceFile> editable, SourceMigration run)
    {
        var parsed = new List<(SourceFile File, IReadOnlyList<HclBlock> Blocks)>();
        foreach (var file in module)
        {
            try
            {
                parsed.Add((file, HclBody.Read(file.Text)));
            }
            catch (FormatException e)
            {
                if (editable.Contains(file))
                {
                    run.Manual(file, 0, $"cannot be read as HCL ({e.Message})", "migrate its functions by hand, or fix the file and run again");
                }
            }
        }

        var archives = parsed.SelectMany(p => p.Blocks.Where(b => b.Type == "data" && b.Labels is ["archive_file", _]).Select(b => (p.File, Block: b)))
            .ToDictionary(a => a.Block.Labels[1], StringComparer.Ordinal);
        var variables = parsed.SelectMany(p => p.Blocks.Where(b => b.Type == "variable" && b.Labels.Count == 1))
            .ToDictionary(b => b.Labels[0], b => b["default"]?.Literal, StringComparer.Ordinal);
        foreach (var (file, blocks) in parsed.Where(p => editable.Contains(p.File)))
        {
            run.Add(file);
            foreach (var block in blocks)
            {
                var function = block switch
                {
                    { Type: "resource", Labels: ["aws_lambda_function", var name] } => $"aws_lambda_function.{name}",
                    { Type: "module", Labels: [var name] } when block["source"]?.Literal?.Contains(LambdaModule, StringComparison.Ordinal) == true => $"module.{name}",
                    _ => null,
                };
                if (function is not null)
                {
                    MigrateFunction(file, block, function, archives, variables, run);
                }
            }
        }
    }

    private static void MigrateFunction(
        SourceFile file, HclBlock block, string function, Dictionary<string, (SourceFile File, HclBlock Block)> archives, Dictionary<string, string?> variables, SourceMigration run)
    {
        if (block["runtime"] is not { } runtime)
        {
            return;
        }

        if (runtime.Literal is null)
        {
            var expression = file.Text[runtime.Start..runtime.End];
            if (expression.StartsWith("var.", StringComparison.Ordinal) && variables.TryGetValue(expression[4..], out var fallback) && run.Target.Moves(fallback))
            {
                run.FunctionsMoved++;
                run.Manual(file, runtime.Start, $"{function}: runtime = {expression} (default {fallback})",
                    $"set the variable to {run.Target.Runtime} (its default and every tfvars), and handler to bootstrap for a go1.x function");
            }

            return;
        }

        if (!run.Target.Moves(runtime.Literal))
        {
            return;
        }

        run.FunctionsMoved++;
        Edit(file, runtime, run.Target.Runtime);
        run.Changed(file, runtime.Start, $"{function}.runtime: {runtime.Literal} -> {run.Target.Runtime}");
        if (runtime.Literal != MigrationTarget.Go1x)
        {
            return;
        }

        run.MovedGoFunction = true;
        var handler = block["handler"];
        var binary = handler?.Literal;
        if (handler is not null && binary is null)
        {
            run.Manual(file, handler.Start, $"{function}: handler is computed", "set it to \"bootstrap\"");
        }
        else if (handler is not null && binary != MigrationTarget.Bootstrap)
        {
            Edit(file, handler, MigrationTarget.Bootstrap);
            run.Changed(file, handler.Start, $"{function}.handler: {binary} -> bootstrap");
        }

        var architecture = block["architectures"] is { } list && file.Text[list.Start..list.End].Contains("arm64", StringComparison.Ordinal) ? Architecture.Arm64 : Architecture.X8664;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        if (block.Type == "module")
        {
            ModulePackage(file, block, function, binary, architecture, folder, run);
        }
        else
        {
            ResourcePackage(file, block, function, binary, architecture, folder, archives, run);
        }
    }

    private static void ResourcePackage(
        SourceFile file, HclBlock block, string function, string? binary, Architecture architecture, string folder, Dictionary<string, (SourceFile File, HclBlock Block)> archives, SourceMigration run)
    {
        if (block["filename"] is not { } filename)
        {
            if (block["s3_key"] is { } key && binary is not null and not MigrationTarget.Bootstrap)
            {
                run.Manual(file, key.Start, $"{function}: the package in S3 holds the binary as '{binary}'; a custom runtime starts only bootstrap",
                    $"repackage it: guard package {binary} --out dist, upload dist/{Path.GetFileName(binary)}.zip and point s3_key at it");
            }

            return;
        }

        var expression = file.Text[filename.Start..filename.End];
        var archiveName = System.Text.RegularExpressions.Regex.Match(expression, @"data\.archive_file\.([A-Za-z0-9_-]+)\.output_path");
        if (archiveName.Success && archives.TryGetValue(archiveName.Groups[1].Value, out var archive))
        {
            ArchivePackage(archive.File, archive.Block, function, binary, architecture, run);
            return;
        }

        if (filename.Literal is { } zip)
        {
            var path = Path.Combine(folder, zip);
            if (File.Exists(path))
            {
                run.Packages.Add(BuiltPackage.Zip(path, binary, architecture, function));
            }

            if (binary is not null and not MigrationTarget.Bootstrap && (!File.Exists(path) || !TemplateSource.ZipHas(path, MigrationTarget.Bootstrap)))
            {
                run.Manual(file, filename.Start, $"{function}: {zip} must hold the binary as bootstrap, not '{binary}'",
                    $"build it with: guard package {binary} --out {(Path.GetDirectoryName(zip) is { Length: > 0 } d ? d : ".")}");
            }
        }
    }

    /// <summary>archive_file zips source_file under its own name, and has no way to rename it.</summary>
    private static void ArchivePackage(SourceFile file, HclBlock archive, string function, string? binary, Architecture architecture, SourceMigration run)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        var name = $"data.archive_file.{archive.Labels[1]}";
        if (archive["source_file"] is { } sourceFile)
        {
            var source = sourceFile.Literal;
            if (source is not null && File.Exists(Path.Combine(folder, source)))
            {
                var full = Path.Combine(folder, source);
                run.Packages.Add(new BuiltPackage(Path.GetDirectoryName(full)!, Path.GetFileName(full), architecture, function, BinaryOnly: true));
            }

            if (source is null || Path.GetFileName(source) != MigrationTarget.Bootstrap)
            {
                var shown = source ?? file.Text[sourceFile.Start..sourceFile.End];
                // Beside the old binary, a folder of the function's name holds the new one: the old path stays a file.
                var proposal = source is null ? "build/FUNCTION/bootstrap" : $"build/{Path.GetFileNameWithoutExtension(source)}/bootstrap";
                run.Manual(file, sourceFile.Start, $"{name} zips {shown} under its own name; {function} now starts bootstrap",
                    $"build the binary as bootstrap (GOOS=linux go build -tags lambda.norpc -o {proposal} .) and set source_file = \"{proposal}\"");
            }

            return;
        }

        if (archive["source_dir"]?.Literal is { } sourceDir)
        {
            var full = Path.Combine(folder, sourceDir);
            if (Directory.Exists(full))
            {
                run.Packages.Add(new BuiltPackage(full, File.Exists(Path.Combine(full, MigrationTarget.Bootstrap)) ? MigrationTarget.Bootstrap : binary, architecture, function));
            }

            if (!File.Exists(Path.Combine(full, MigrationTarget.Bootstrap)))
            {
                run.Manual(file, archive["source_dir"]!.Start, $"{name} zips {sourceDir}, which holds no bootstrap",
                    $"build the binary into it as bootstrap (go build -o {sourceDir.TrimEnd('/')}/bootstrap)");
            }
        }
    }

    /// <summary>The module zips source_path itself (a file under its own name); a prebuilt zip is local_existing_package.</summary>
    private static void ModulePackage(SourceFile file, HclBlock block, string function, string? binary, Architecture architecture, string folder, SourceMigration run)
    {
        if (block["local_existing_package"]?.Literal is { } existing)
        {
            var path = Path.Combine(folder, existing);
            if (File.Exists(path))
            {
                run.Packages.Add(BuiltPackage.Zip(path, binary, architecture, function));
            }

            if (binary is not null and not MigrationTarget.Bootstrap && (!File.Exists(path) || !TemplateSource.ZipHas(path, MigrationTarget.Bootstrap)))
            {
                run.Manual(file, block["local_existing_package"]!.Start, $"{function}: {existing} must hold the binary as bootstrap",
                    $"build it with: guard package {binary} --out {(Path.GetDirectoryName(existing) is { Length: > 0 } d ? d : ".")}");
            }

            return;
        }

        if (block["source_path"]?.Literal is { } sourcePath)
        {
            var full = Path.Combine(folder, sourcePath);
            var bootstrap = File.Exists(full) ? Path.GetFileName(full) == MigrationTarget.Bootstrap : File.Exists(Path.Combine(full, MigrationTarget.Bootstrap));
            if (!bootstrap)
            {
                run.Manual(file, block["source_path"]!.Start, $"{function}: source_path {sourcePath} is zipped as it is, without a bootstrap",
                    $"build the binary as bootstrap in a folder of its own (go build -o build/{function.Split('.')[^1]}/bootstrap) and set source_path to that folder");
            }
        }
    }

    private static void Edit(SourceFile file, HclAttribute attribute, string value)
    {
        var (start, length) = attribute.LiteralSpan;
        file.Replace(start, length, value);
    }
}
