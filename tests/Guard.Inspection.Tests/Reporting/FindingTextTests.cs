using System.Text;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Inspection.Tests.Reporting;

public sealed class FindingTextTests
{
    private static readonly Finding NotExecutable = new(FindingCodes.BootstrapNotExecutable, Severity.Error, "bootstrap is not executable (mode 0644)", "chmod 755 bootstrap");

    [Fact]
    public void OneLine_FindingWithFix_CodeMessageAndFixAsSentences()
    {
        Assert.Equal("BOOTSTRAP_NOT_EXECUTABLE: bootstrap is not executable (mode 0644) Fix: chmod 755 bootstrap.", FindingText.OneLine(NotExecutable));
    }

    [Fact]
    public void MessageAndFix_NoFix_MessageEndsInAFullStop()
    {
        Assert.Equal("no bootstrap.", FindingText.MessageAndFix(new Finding(FindingCodes.BootstrapMissing, Severity.Error, "no bootstrap")));
    }

    [Fact]
    public void AppendBlock_FindingWithFix_SeverityCodeMessageAndFixLines()
    {
        var text = FindingText.AppendBlock(new StringBuilder(), NotExecutable).ToString();

        Assert.Equal(
            "  error   BOOTSTRAP_NOT_EXECUTABLE\n          bootstrap is not executable (mode 0644)\n     fix: chmod 755 bootstrap\n",
            text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_FixWithBacktick_StaysInsideOneCodeSpan()
    {
        var text = FindingText.Markdown(NotExecutable with { Hint = "run `chmod 755 bootstrap`" });

        Assert.Equal("*BOOTSTRAP_NOT_EXECUTABLE* (error): bootstrap is not executable (mode 0644)\n> Fix: `run 'chmod 755 bootstrap'`\n", text);
    }

    [Fact]
    public void Renderers_SameFinding_SameFixWording()
    {
        var report = new Report(1, "function.zip", Verdict.Broken, "provided.al2023", "arm64", null, [NotExecutable], new ReadStats(1, 1, 1));

        var sarif = SarifReportWriter.Write([report], "test");
        var text = TextReportWriter.Write(report);

        Assert.Contains(FindingText.MessageAndFix(NotExecutable), sarif, StringComparison.Ordinal);
        Assert.Contains(FindingText.AppendBlock(new StringBuilder(), NotExecutable).ToString(), text, StringComparison.Ordinal);
    }
}
