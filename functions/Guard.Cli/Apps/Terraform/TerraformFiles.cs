using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Guard.Inspection.Reading;

namespace Guard.Cli.Apps.Terraform;

/// <summary>
/// Which arguments are Terraform: the JSON of a plan (<c>terraform show -json</c>), which Guard reads, and the files a
/// user may name instead (configuration, a state, the binary plan), which hold no function Guard can judge before
/// apply: each of those is told what to run rather than judged as a package (a <c>.tf</c> file is no zip, and was a
/// false ZIP_INVALID).
/// </summary>
internal static class TerraformFiles
{
    /// <summary>What to run for a plan Guard reads, from the configuration's folder.</summary>
    public const string PlanCommands = "terraform plan -out tf.plan && terraform show -json tf.plan > plan.json && guard check plan.json";

    /// <summary>Terraform writes format_version first; a plan pretty-printed with sorted keys still names it within this much.</summary>
    private const int SniffBytes = 64 * 1024;

    private static readonly string[] PlanKeys = ["format_version", "terraform_version", "planned_values", "resource_changes", "prior_state"];

    /// <summary>A local JSON file that reads as the start of <c>terraform show -json</c> output (a plan, or a state the plan reader then refuses).</summary>
    public static bool IsPlanJson(string argument)
    {
        if (argument.Contains("://", StringComparison.Ordinal) ||
            !argument.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ||
            argument.EndsWith(".tf.json", StringComparison.OrdinalIgnoreCase) ||
            !File.Exists(argument) || LocalFileKind.IsSpecial(argument))
        {
            return false;
        }

        byte[] head;
        try
        {
            using var file = File.OpenRead(argument);
            head = new byte[SniffBytes];
            head = head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // read as a template, whose reader says why the file cannot be read
        }

        var utf8 = Utf8(head);
        var reader = new Utf8JsonReader(utf8, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var name = reader.GetString();
                    if (PlanKeys.Contains(name))
                    {
                        return true;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (or cut inside a multi-byte character at the sniff's end): the template reader has the words for it.
        }

        return false;
    }

    /// <summary>
    /// Why <paramref name="argument"/> is Terraform Guard does not read, with what to run instead; null when it is not
    /// Terraform (or is a plan's JSON).
    /// </summary>
    public static string? NotAPlan(string argument)
    {
        if (argument.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        var name = Path.GetFileName(argument.TrimEnd('/', '\\'));
        if (name.EndsWith(".tf", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tf.json", StringComparison.OrdinalIgnoreCase) ||
            name.EndsWith(".tfvars", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tfvars.json", StringComparison.OrdinalIgnoreCase))
        {
            return $"{argument} is Terraform configuration: the functions' code, runtime and layers are known from a plan. Run: {PlanCommands}";
        }

        if (name.EndsWith(".tfstate", StringComparison.OrdinalIgnoreCase))
        {
            return $"{argument} is a Terraform state: it records what was deployed, not what the next apply will deploy. Run: {PlanCommands}";
        }

        if (Directory.Exists(argument) && IsConfigurationFolder(argument))
        {
            return $"{argument} is a Terraform configuration folder: Guard reads its plan, not its .tf files. Run in it: {PlanCommands}";
        }

        if (!name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) && File.Exists(argument) && IsBinaryPlan(argument))
        {
            return $"{argument} is a saved Terraform plan, which only Terraform reads: run terraform show -json {argument} > plan.json && guard check plan.json";
        }

        return null;
    }

    /// <summary>The bytes as UTF-8: PowerShell 5's <c>&gt;</c> writes <c>terraform show -json</c>'s output as UTF-16 with a byte-order mark.</summary>
    public static byte[] Utf8(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble))
        {
            return bytes[3..];
        }

        if (bytes.AsSpan().StartsWith(Encoding.Unicode.Preamble))
        {
            return Encoding.UTF8.GetBytes(Encoding.Unicode.GetString(bytes, 2, (bytes.Length - 2) & ~1));
        }

        return bytes;
    }

    /// <summary>
    /// A folder of <c>.tf</c> files with no <c>bootstrap</c> of its own: a function's build folder that happens to
    /// hold Terraform next to its bootstrap is still judged as the package it is.
    /// </summary>
    private static bool IsConfigurationFolder(string folder)
    {
        try
        {
            return Directory.EnumerateFiles(folder, "*.tf").Any() && !File.Exists(Path.Combine(folder, "bootstrap"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>terraform plan -out FILE</c> writes a zip holding a <c>tfplan</c> entry (and <c>tfstate</c>, <c>tfconfig/</c>);
    /// no Lambda package has one. Only files that start like a zip are opened, and only their central directory is read.
    /// </summary>
    private static bool IsBinaryPlan(string path)
    {
        if (LocalFileKind.IsSpecial(path))
        {
            return false;
        }

        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual("PK\u0003\u0004"u8))
            {
                return false;
            }

            file.Position = 0;
            using var archive = new ZipArchive(file, ZipArchiveMode.Read);
            return archive.Entries.Any(e => e.FullName == "tfplan") && archive.Entries.Any(e => e.FullName.StartsWith("tfconfig/", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return false; // judged as the package it was named as, whose reader says what is wrong with it
        }
    }
}
