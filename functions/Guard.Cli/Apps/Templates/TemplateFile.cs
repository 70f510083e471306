using System.Text;

namespace Guard.Cli.Apps.Templates;

/// <summary>Reads a SAM or CloudFormation template file (YAML or JSON) into one tree.</summary>
internal static class TemplateFile
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json", ".template"];

    /// <summary>A local file named like a template: PACKAGE is then an app, not a package.</summary>
    public static bool LooksLikeTemplate(string argument) =>
        !argument.Contains("://", StringComparison.Ordinal) &&
        Extensions.Any(e => argument.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <exception cref="TemplateFormatException">Missing, unreadable, or not YAML/JSON.</exception>
    public static TemplateNode Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TemplateFormatException(path, 0, 0, "no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TemplateFormatException(path, 0, 0, e.Message.ReplaceLineEndings(" "));
        }

        var text = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? bytes[3..] : bytes;

        // JSON first when it looks like JSON: YAML would read most of it too, but with worse messages.
        var first = text.AsSpan().TrimStart(" \t\r\n"u8);
        return first.Length > 0 && first[0] == (byte)'{'
            ? JsonTemplateReader.Read(path, text)
            : YamlTemplateReader.Read(path, Encoding.UTF8.GetString(text));
    }
}
