using Guard.Testing;

namespace Guard.Deploy.Tests;

/// <summary>A fixture whose build failed names the build's own first error, not the symptoms in later tests.</summary>
public sealed class BuildLogTests
{
    [Theory]
    // The arm64 Native AOT link on a machine without libc6-dev-arm64-cross, as the ILCompiler reports it.
    [InlineData("""
          Determining projects to restore...
          Guard.Function -> /tmp/x/bin/Guard.Function.dll
          Generating native code
        /usr/bin/aarch64-linux-gnu-ld: cannot find Scrt1.o: No such file or directory
        /usr/bin/aarch64-linux-gnu-ld: cannot find crti.o: No such file or directory
        clang : error : linker command failed with exit code 1 (use -v to see invocation)
        make: *** [Makefile:61: publish] Error 1
        """, "/usr/bin/aarch64-linux-gnu-ld: cannot find Scrt1.o: No such file or directory")]
    // An arm64 C compile without the cross libc headers.
    [InlineData("""
        In file included from /usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stdint.h:9,
        /usr/aarch64-linux-gnu/include/stdint.h:26:10: fatal error: bits/libc-header-start.h: No such file or directory
        compilation terminated.
        """, "/usr/aarch64-linux-gnu/include/stdint.h:26:10: fatal error: bits/libc-header-start.h: No such file or directory")]
    [InlineData("""
        Build started.
        /src/Program.cs(3,5): error CS1002: ; expected [/src/Guard.Function.csproj]
        Build FAILED.
        """, "/src/Program.cs(3,5): error CS1002: ; expected [/src/Guard.Function.csproj]")]
    // Our Makefile's missing-tool message, which reaches the log after make's own lines (stderr comes last).
    [InlineData("""
        make[1]: Entering directory '/src/functions/Guard.Function'
        make[1]: *** [Makefile:58: check-tools] Error 2
        make: *** [Makefile:82: zip-arm64] Error 2
        error: Native AOT for arm64 on x86_64 needs: gcc-aarch64-linux-gnu
        """, "error: Native AOT for arm64 on x86_64 needs: gcc-aarch64-linux-gnu")]
    [InlineData("make: Entering directory '/src'\nmake: *** [Makefile:82: zip-arm64] Error 2\n", "make: *** [Makefile:82: zip-arm64] Error 2")]
    [InlineData("first line\nthe tool said nothing else\n\n", "the tool said nothing else")]
    public void FirstError_OfFailedBuildLog_IsTheCause(string log, string expected)
    {
        Assert.Equal(expected, BuildLog.FirstError(log));
    }

    [Fact]
    public void Failure_LeadsWithWhatFailedAndTheFirstError_ThenTheWholeLog()
    {
        var log = "Generating native code\nclang : error : linker command failed\n";

        var failure = BuildLog.Failure("make zips", 2, log);

        Assert.StartsWith("make zips failed (exit 2): clang : error : linker command failed\n", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith(log, failure.Message, StringComparison.Ordinal);
    }
}
