using System.Globalization;
using System.Text;
using Guard.Aws.Lambda;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Alerts;

/// <summary>What every alert composer writes alike: the subject's limits, the function's facts, the findings with their fixes (<see cref="FindingText"/>).</summary>
public static class AlertText
{
    /// <summary>SNS: "less than 100 characters long".</summary>
    public const int MaxSubjectLength = 99;

    /// <summary>Chatbot documents no limit; kept well inside SNS's 256 KB and what a chat message shows.</summary>
    public const int MaxChatDescriptionLength = 3500;

    /// <summary>
    /// "{prefix}{name}{suffix}" on one line under 100 characters: the name is shortened (with …) when it does not fit,
    /// never the suffix (the finding code) unless the suffix alone would crowd the name out.
    /// </summary>
    public static string Subject(string prefix, string name, string suffix)
    {
        ArgumentNullException.ThrowIfNull(name);
        suffix = OneLine(suffix);
        if (prefix.Length + suffix.Length + 8 > MaxSubjectLength)
        {
            suffix = Truncate(suffix, MaxSubjectLength - prefix.Length - 8);
        }

        return prefix + Truncate(OneLine(name), MaxSubjectLength - prefix.Length - suffix.Length) + suffix;
    }

    /// <summary>The function's lines of a plain-text alert: ARN, runtime, account and region, code.</summary>
    public static StringBuilder AppendFunction(StringBuilder text, FunctionConfiguration function, string runtime, string? account, string? region)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(function);
        text.Append(CultureInfo.InvariantCulture, $"Function:    {function.FunctionArn}\n");
        text.Append(CultureInfo.InvariantCulture, $"Runtime:     {runtime}\n");
        text.Append(CultureInfo.InvariantCulture, $"Account:     {account ?? "unknown"}, region {region ?? "unknown"}\n");
        if (Aws.Functions.FunctionEligibility.IsImage(function.PackageType))
        {
            // An image function's CodeSha256 is its image's digest in hex, and its CodeSize is not the image's.
            text.Append(CultureInfo.InvariantCulture, $"Code:        image sha256:{function.CodeSha256}\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Code:        CodeSha256 {function.CodeSha256} ({function.CodeSize.ToString("N0", CultureInfo.InvariantCulture)} bytes)\n");
        }
        return text;
    }

    /// <summary>"Findings:" and each finding with its fix, as the CLI prints them.</summary>
    public static StringBuilder AppendFindings(StringBuilder text, IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(findings);
        text.Append("\nFindings:\n");
        foreach (var finding in findings)
        {
            FindingText.AppendBlock(text, finding);
        }

        return text.Replace("\r\n", "\n");
    }

    /// <summary>The findings in chat markdown.</summary>
    public static StringBuilder AppendMarkdown(StringBuilder text, IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(findings);
        foreach (var finding in findings)
        {
            text.Append(FindingText.Markdown(finding));
        }

        return text;
    }

    /// <summary>The function in the Lambda console of its region.</summary>
    public static string ConsoleUrl(string functionName, string? region)
    {
        region ??= "us-east-1";
        return $"https://{region}.console.aws.amazon.com/lambda/home?region={region}#/functions/{Uri.EscapeDataString(functionName)}";
    }

    /// <summary>A part of an ARN (arn:partition:service:region:account:…), or null when it is missing or empty.</summary>
    public static string? ArnPart(string arn, int index)
    {
        var parts = arn.Split(':');
        return parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
    }

    /// <summary>Control characters (line breaks included) become spaces: SNS refuses them in a subject.</summary>
    public static string OneLine(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        }
    });

    /// <summary>At most <paramref name="length"/> characters, ending in … when cut, never splitting a surrogate pair.</summary>
    public static string Truncate(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= length)
        {
            return text;
        }

        if (length <= 1)
        {
            return length == 1 ? "…" : string.Empty;
        }

        var cut = length - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + "…";
    }
}
