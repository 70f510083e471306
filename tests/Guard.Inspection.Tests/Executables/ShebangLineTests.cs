using System.Text;
using Guard.Inspection.Executables;

namespace Guard.Inspection.Tests.Executables;

public class ShebangLineTests
{
    private static ScriptFacts Parse(string content) => ShebangLine.Parse(Encoding.UTF8.GetBytes(content), startsWithByteOrderMark: false);

    [Theory]
    [InlineData("#!/bin/sh\n", "/bin/sh", null)]
    [InlineData("#! /bin/sh\n", "/bin/sh", null)]
    [InlineData("#!\t/bin/sh  \t\n", "/bin/sh", null)]
    [InlineData("#!/usr/bin/env python3\n", "/usr/bin/env", "python3")]
    [InlineData("#!/usr/bin/env -S node --enable-source-maps  \n", "/usr/bin/env", "-S node --enable-source-maps")]
    [InlineData("#!/bin/sh", "/bin/sh", null)]
    [InlineData("#!/bin/sh\0ignored\n", "/bin/sh", null)]
    public void Parse_SplitsLikeTheKernel(string content, string interpreter, string? argument)
    {
        var script = Parse(content);

        Assert.Equal(interpreter, script.Interpreter);
        Assert.Equal(argument, script.Argument);
        Assert.False(script.EndsWithCarriageReturn);
        Assert.Null(script.Problem);
    }

    [Theory]
    [InlineData("#!/bin/sh\r\necho\r\n", "/bin/sh", null)]
    [InlineData("#!/usr/bin/env python3\r\n", "/usr/bin/env", "python3")]
    [InlineData("#!/bin/sh \r\n", "/bin/sh", null)]
    [InlineData("#!/bin/sh\r", "/bin/sh", null)]
    public void Parse_WhenLineEndsWithCarriageReturn_RecordsItAndStripsIt(string content, string interpreter, string? argument)
    {
        var script = Parse(content);

        Assert.True(script.EndsWithCarriageReturn);
        Assert.Equal(interpreter, script.Interpreter);
        Assert.Equal(argument, script.Argument);
    }

    [Theory]
    [InlineData("#!")]
    [InlineData("#!\n")]
    [InlineData("#!   \t \n")]
    public void Parse_WhenNoInterpreter_ReportsProblem(string content)
    {
        var script = Parse(content);

        Assert.Equal(string.Empty, script.Interpreter);
        Assert.NotNull(script.Problem);
    }

    [Fact]
    public void Parse_WhenInterpreterPathIsCutOffAt256Bytes_ReportsProblem()
    {
        var script = Parse("#!/" + new string('a', 300) + "\n");

        Assert.Contains("256", script.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenOnlyTheArgumentPassesThe256Bytes_TruncatesLikeTheKernel()
    {
        var script = Parse("#!/bin/sh " + new string('x', 300) + "\n");

        Assert.Null(script.Problem);
        Assert.Equal("/bin/sh", script.Interpreter);
        Assert.Equal(ShebangLine.KernelBufferSize - 1 - "#!/bin/sh ".Length, script.Argument!.Length);
    }

    [Fact]
    public void Parse_WhenNewlineComesAfterByte256_IgnoresIt()
    {
        var script = Parse("#!/bin/sh" + new string(' ', 300) + "\r\n");

        Assert.Equal("/bin/sh", script.Interpreter);
        Assert.False(script.EndsWithCarriageReturn);
    }

    [Fact]
    public void Parse_WhenAfterByteOrderMark_RecordsIt()
    {
        var script = ShebangLine.Parse("#!/bin/sh\n"u8, startsWithByteOrderMark: true);

        Assert.True(script.StartsWithByteOrderMark);
        Assert.Equal("/bin/sh", script.Interpreter);
    }
}
