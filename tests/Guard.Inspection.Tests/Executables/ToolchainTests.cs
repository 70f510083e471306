using Guard.Inspection.Executables;
using Guard.Inspection.Reading;
using Guard.Testing;

namespace Guard.Inspection.Tests.Executables;

/// <summary>
/// The toolchain told from real binaries: gcc, g++ and Go build here. No rustc, swiftc or ilc is on the machine (and
/// the Native AOT fixtures exist only after build/test-fixtures.sh), so their evidence is put into gcc-built programs
/// exactly where those compilers leave it: a <c>.comment</c> line (the text real rustc 1.75 and ilc 10.0.12 write, the
/// latter copied from the ilc binary NuGet ships), a symbol of the runtime's own, or a section only that toolchain makes.
/// </summary>
public sealed class ToolchainTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<Toolchain?> ToolchainOfAsync(byte[] bytes)
    {
        var facts = await ExecutableAnalyzer.AnalyzeAsync(new InMemoryEntryContent(bytes), asLibrary: false, identifyToolchain: true, Cancel);
        return Assert.IsType<ElfFacts>(facts.Elf).Toolchain;
    }

    private static Task<byte[]> CAsync(string source, params string[] arguments) =>
        NativeBuild.CompileAsync(NativeArchitecture.X8664, "c", source, arguments, Cancel);

    [Fact]
    public async Task Toolchain_WhenGccBuiltC_ReportsCAndGccVersionFromComment()
    {
        var program = await CAsync("int main(void) { return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("c", toolchain?.Name);
        Assert.Equal("gcc " + await GccVersionAsync(), toolchain?.Compiler);
        Assert.StartsWith(".comment: GCC: (", toolchain?.Evidence, StringComparison.Ordinal);
        Assert.Equal("c:gcc-" + await GccVersionAsync(), toolchain?.TagValue);
    }

    [Fact]
    public async Task Toolchain_WhenGxxBuiltDynamic_ReportsCxxFromLibstdcxxNeed()
    {
        var program = await NativeBuild.CompileAsync(NativeArchitecture.X8664, "c++", "#include <string>\nint main(int c, char**) { return (int)std::string(c, 'x').size(); }\n", cancellationToken: Cancel);

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("c++", toolchain?.Name);
        Assert.Contains("it needs libstdc++.so.6", toolchain?.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Toolchain_WhenGxxBuiltStatic_ReportsCxxFromPersonalitySymbol()
    {
        var program = await NativeBuild.CompileAsync(
            NativeArchitecture.X8664, "c++", "#include <stdexcept>\nint main(int c, char**) { try { if (c > 5) throw std::runtime_error(\"x\"); } catch (...) { return 1; } return 0; }\n",
            ["-static"], Cancel);

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("c++", toolchain?.Name);
        Assert.Contains("__gxx_personality_v0", toolchain?.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Toolchain_WhenGoBuilt_ReportsGoVersionFromBuildInfo()
    {
        var program = await GoProgram.BuildLambdaAsync("v1.47.0", cancellationToken: Cancel);

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("go", toolchain?.Name);
        Assert.Matches("^go1\\.[0-9]+(\\.[0-9]+)?$", toolchain?.Compiler);
        Assert.Equal(toolchain?.Compiler, toolchain?.TagValue);
    }

    [Fact]
    public async Task Toolchain_WhenCommentHasRustcLine_ReportsRustOverTheGccStartFiles()
    {
        // rustc links with the system's cc, so a real Rust binary's .comment holds GCC's line (from crt1.o) and its own.
        var program = await CAsync(
            "__asm__(\".pushsection .comment,\\\"MS\\\",@progbits,1\\n.asciz \\\"rustc version 1.75.0 (82e1608df 2023-12-21)\\\"\\n.popsection\");\nint main(void) { return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal(new Toolchain("rust", "rustc 1.75.0", ".comment: rustc version 1.75.0 (82e1608df 2023-12-21)"), toolchain);
        Assert.Equal("rust:rustc-1.75.0", toolchain!.TagValue);
    }

    [Fact]
    public async Task Toolchain_WhenOnlyTheSymbolTableSaysRust_ReportsRustFromRustBeginUnwind()
    {
        var program = await CAsync("void rust_begin_unwind(void) {}\nint main(void) { rust_begin_unwind(); return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("rust", toolchain?.Name);
        Assert.Equal("the symbol rust_begin_unwind", toolchain?.Evidence);
    }

    [Fact]
    public async Task Toolchain_WhenCommentHasIlcLine_ReportsDotnetAot()
    {
        var program = await CAsync(
            "__asm__(\".pushsection .comment,\\\"MS\\\",@progbits,1\\n.asciz \\\".NET: ilc 10.0.12-servicing.26422.108+95017c711e6afc1085133d440e42b4bd78155701\\\"\\n.popsection\");\nint main(void) { return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("dotnet-aot", toolchain?.Name);
        Assert.Equal("ilc 10.0.12", toolchain?.Compiler);
    }

    [Fact]
    public async Task Toolchain_WhenManagedCodeSectionAndNoComment_ReportsDotnetAot()
    {
        var program = await CAsync("__attribute__((section(\"__managedcode\"), used)) static const int code = 1;\nint main(void) { return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("dotnet-aot", toolchain?.Name);
    }

    [Fact]
    public async Task Toolchain_WhenSwiftMetadataSection_ReportsSwift()
    {
        var program = await CAsync("__attribute__((section(\"swift5_protocols\"), used)) static const int protocols = 1;\nint main(void) { return 0; }\n");

        var toolchain = await ToolchainOfAsync(program);

        Assert.Equal("swift", toolchain?.Name);
    }

    [Fact]
    public async Task Toolchain_WhenNoSectionHeaders_IsUnknown()
    {
        Assert.Null(await ToolchainOfAsync(ElfBuilder.Static(ElfBuilder.X8664)));
    }

    [Fact]
    public async Task Analyze_WhenToolchainNotAsked_LeavesItNull()
    {
        var program = await CAsync("int main(void) { return 0; }\n");

        var elf = await Analysis.ElfOfAsync(program);

        Assert.Null(elf.Toolchain);
    }

    private static async Task<string> GccVersionAsync() =>
        (await ExternalProcess.RunAsync("gcc", ["-dumpfullversion"], Cancel)).EnsureSuccess().Output.Trim();
}
