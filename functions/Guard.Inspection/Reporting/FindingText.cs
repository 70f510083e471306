using System.Globalization;
using System.Text;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Reporting;

/// <summary>
/// The one wording of "a finding and its fix", in the three shapes Guard's outputs need: a block of lines for
/// people reading text (the CLI, e-mail alerts), a sentence for one-line fields (SARIF, CloudFormation, Security
/// Hub), markdown for chat. Every renderer takes its finding text from here, so a finding reads alike everywhere.
/// </summary>
public static class FindingText
{
    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>"Message. Fix: hint." (the code left to the field beside it, as SARIF's ruleId).</summary>
    public static string MessageAndFix(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var message = Sentence(finding.Message);
        return finding.Hint is { Length: > 0 } hint ? $"{message} Fix: {Sentence(hint)}" : message;
    }

    /// <summary>"CODE: Message. Fix: hint." on one line.</summary>
    public static string OneLine(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return $"{finding.Code}: {MessageAndFix(finding)}";
    }

    /// <summary>
    /// The block people read in text:
    /// <code>
    ///   error   BOOTSTRAP_NOT_EXECUTABLE
    ///           bootstrap is not executable (mode 0644)
    ///      fix: chmod 755 bootstrap
    /// </code>
    /// </summary>
    /// <param name="heading">Replaces "severity CODE" (the CLI's "suppressed CODE (by …)").</param>
    public static StringBuilder AppendBlock(StringBuilder text, Finding finding, string indent = "  ", string? heading = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(finding);
        text.Append(CultureInfo.InvariantCulture, $"{indent}{heading ?? $"{SeverityName(finding.Severity),-7} {finding.Code}"}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"{indent}        {finding.Message}").AppendLine();
        if (finding.Hint is { Length: > 0 } hint)
        {
            text.Append(CultureInfo.InvariantCulture, $"{indent}   fix: {hint}").AppendLine();
        }

        return text;
    }

    /// <summary>Chat markdown (Slack, AWS Chatbot): "*CODE* (error): message" and a quoted, code-formatted fix.</summary>
    public static string Markdown(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var text = $"*{finding.Code}* ({SeverityName(finding.Severity)}): {finding.Message}\n";
        // A backtick would close the code span early.
        return finding.Hint is { Length: > 0 } hint ? $"{text}> Fix: `{hint.Replace('`', '\'')}`\n" : text;
    }

    /// <summary>Ends in a full stop unless it already ends a sentence (or a parenthesis).</summary>
    private static string Sentence(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 || trimmed[^1] is '.' or '!' or '?' or ')' ? trimmed : trimmed + ".";
    }
}
