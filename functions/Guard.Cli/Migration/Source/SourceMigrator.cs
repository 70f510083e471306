namespace Guard.Cli.Migration.Source;

/// <summary>
/// Finds what PATH holds — a template, a serverless.yml, Terraform, CDK app source, build scripts — and plans the
/// edits of each with its dialect's migrator (one file per dialect). Nothing is written here.
/// </summary>
internal static class SourceMigrator
{
    /// <summary>Folders of output, dependencies and tool state: never the user's source, and often huge.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal)
    {
        ".git", ".hg", ".svn", "node_modules", "cdk.out", ".aws-sam", ".serverless", ".terraform", "obj", "vendor",
        "__pycache__", ".venv", "venv", ".tox", "target", ".gradle", ".idea", ".vs",
    };

    private static readonly HashSet<string> CodeExtensions = new(StringComparer.OrdinalIgnoreCase) { ".ts", ".js", ".mjs", ".cjs", ".py", ".go", ".java", ".cs" };

    /// <exception cref="IOException">PATH, or a file it names explicitly, cannot be read.</exception>
    /// <exception cref="FormatException">A file named explicitly is not what its name says.</exception>
    public static SourceMigration Plan(string path, MigrationTarget target)
    {
        var run = new SourceMigration(target);
        var explicitFile = File.Exists(path);
        var files = explicitFile ? [path] : Walk(path).ToList();
        var folder = explicitFile ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;

        var terraform = files.Where(f => f.EndsWith(".tf", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var module in terraform.GroupBy(f => Path.GetDirectoryName(Path.GetFullPath(f))!, StringComparer.Ordinal))
        {
            // A module is its folder: an archive_file named in one file may be declared in another.
            var all = Directory.EnumerateFiles(module.Key, "*.tf").Order(StringComparer.Ordinal).Select(SourceFile.Read).ToList();
            var editable = module.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
            TerraformSource.Migrate(all, all.Where(f => editable.Contains(Path.GetFullPath(f.Path))).ToList(), run);
        }

        foreach (var file in files.Where(f => !f.EndsWith(".tf", StringComparison.OrdinalIgnoreCase)))
        {
            var name = Path.GetFileName(file);
            var extension = Path.GetExtension(file);
            if (name is "serverless.yml" or "serverless.yaml")
            {
                ServerlessSource.Migrate(Read(file), run, explicitFile);
            }
            else if (extension is ".yaml" or ".yml" or ".json" or ".template")
            {
                MigrateTemplate(file, run, explicitFile);
            }
            else if (CodeExtensions.Contains(extension) && !name.EndsWith(".d.ts", StringComparison.OrdinalIgnoreCase))
            {
                CdkSource.Migrate(Read(file), run);
            }
            else if (explicitFile && BuildScripts.IsScript(name))
            {
                BuildScripts.Scan(Read(file), run, always: true);
            }
            else if (explicitFile)
            {
                throw new FormatException($"{path}: not a template (.yaml, .yml, .json), serverless.yml, Terraform (.tf), CDK source or build script");
            }
        }

        // Build scripts matter once a go1.x binary must become bootstrap: the seed's "zip ./ *-lambda" packs several in one.
        if (run.MovedGoFunction)
        {
            var scripts = explicitFile
                ? Directory.EnumerateFiles(folder).Where(f => BuildScripts.IsScript(Path.GetFileName(f)) && !files.Contains(f))
                : files.Where(f => BuildScripts.IsScript(Path.GetFileName(f)));
            foreach (var script in scripts.Order(StringComparer.Ordinal))
            {
                BuildScripts.Scan(Read(script), run, always: false);
            }
        }

        return run;
    }

    private static SourceFile Read(string path) => SourceFile.Read(path);

    private static void MigrateTemplate(string path, SourceMigration run, bool explicitFile)
    {
        var file = Read(path);
        // Cheap test first: a folder holds many YAML and JSON files that are not templates (package.json, CI files).
        if (!explicitFile && !file.Text.Contains("Resources", StringComparison.Ordinal))
        {
            return;
        }

        YamlSpanNode? root;
        try
        {
            root = YamlTree.Read(file.Text);
        }
        catch (FormatException e)
        {
            if (explicitFile)
            {
                throw new FormatException($"{path}:{e.Message}", e);
            }

            if (file.Text.Contains("AWS::Serverless::Function", StringComparison.Ordinal) || file.Text.Contains("AWS::Lambda::Function", StringComparison.Ordinal))
            {
                run.Manual(file, 0, $"cannot be read ({e.Message}), and it declares functions", "migrate its functions by hand, or fix the file and run again");
            }

            return;
        }

        if (TemplateSource.IsTemplate(root))
        {
            run.Add(file);
            TemplateSource.Migrate(file, (YamlSpanMapping)root!, run);
        }
        else if (explicitFile)
        {
            throw new FormatException($"{path}: not a template: no Resources mapping");
        }
    }

    private static IEnumerable<string> Walk(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new IOException($"{folder}: no such file or folder");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(folder, "*", options).Order(StringComparer.Ordinal))
        {
            yield return file;
        }

        foreach (var child in Directory.EnumerateDirectories(folder, "*", options).Order(StringComparer.Ordinal))
        {
            if (!Skipped.Contains(Path.GetFileName(child)))
            {
                foreach (var file in Walk(child))
                {
                    yield return file;
                }
            }
        }
    }
}
