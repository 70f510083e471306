using System.Text;
using Guard.Inspection.Reading;

namespace Guard.Cli.Apps.Templates;

/// <summary>Reads a SAM or CloudFormation template file (YAML or JSON) into one tree.</summary>
internal static class TemplateFile
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json", ".template"];

    /// <summary>A local file named like a template: PACKAGE is then an app, not a package.</summary>
    public static bool LooksLikeTemplate(string argument) =>
        !argument.Contains("://", StringComparison.Ordinal) &&
        Extensions.Any(e => argument.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Ten times CloudFormation's own limit (a template body from S3 is at most 1 MB), so a real template, a big CDK
    /// manifest or a SAM template before its transform fits; past it the file is not read at all.
    /// </summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <summary>
    /// Values (scalars, lists, mappings; a YAML alias counts as all it stands for) one template may hold: a 1 MB
    /// template has some tens of thousands. Reading stops there, before the tree outgrows memory or time.
    /// </summary>
    public const long MaxValues = 1_000_000;

    /// <exception cref="TemplateFormatException">Missing, unreadable, not a regular file, too large, or not YAML/JSON.</exception>
    public static TemplateNode Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = ReadRegularFile(path, MaxBytes, "a template", "CloudFormation takes 1 MB");
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

    /// <summary>
    /// The file's bytes, when it is a regular file of at most <paramref name="maxBytes"/>; asked before it is opened.
    /// Every file Guard reads whole (templates, manifests, Terraform plans) comes through here.
    /// </summary>
    /// <param name="what">What the file is to Guard, for the messages: "a template", "a Terraform plan".</param>
    /// <param name="limitNote">Why the limit is where it is, shown when a file passes it.</param>
    /// <exception cref="TemplateFormatException">Not a regular file, or too large.</exception>
    internal static byte[] ReadRegularFile(string path, int maxBytes, string what, string limitNote)
    {
        if (LocalFileKind.NotRegular(path) is { } kind)
        {
            throw new TemplateFormatException(path, 0, 0, $"is {kind}, not {what} file: Guard reads only regular files");
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            throw TooLarge(path, length, maxBytes, what, limitNote);
        }

        // One byte more than the limit: a file that grows while it is read is caught too.
        var buffer = new byte[(int)length + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
            if (total > maxBytes)
            {
                throw TooLarge(path, total, maxBytes, what, limitNote);
            }

            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
            }
        }

        return buffer[..total];
    }

    private static TemplateFormatException TooLarge(string path, long length, int maxBytes, string what, string limitNote) =>
        new(path, 0, 0, $"is {length:N0} bytes, more than Guard reads as {what} ({maxBytes:N0}; {limitNote})");
}
