using Guard.Testing;

namespace Guard.Function.Tests.Support;

/// <summary>The zips the tests deploy, made with the shared builders.</summary>
public static class Packages
{
    /// <summary>A static x86_64 Go-style executable named bootstrap, mode 0755: starts on x86_64.</summary>
    public static byte[] GoodX8664(string marker = "") =>
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode)
            .AddFile("README.txt", "build " + marker).ToArray();

    /// <summary>A shell-script bootstrap zipped with mode 0644: BOOTSTRAP_NOT_EXECUTABLE.</summary>
    public static byte[] NotExecutable(string marker = "") =>
        new PackageBuilder().AddFile("bootstrap", $"#!/bin/sh\necho {marker}\n", PackageBuilder.RegularFileMode).ToArray();

    /// <summary>Something the operator lists in GUARD_PLACEHOLDER_SHA256 (a pipeline's dummy zip).</summary>
    public static byte[] DummyPlaceholder() =>
        new PackageBuilder().AddFile("placeholder.txt", "replaced by the real code on the next deploy").ToArray();

    /// <summary>A dynamic x86_64 executable needing GLIBC_2.34: starts on provided.al2023, not on provided.al2 (glibc 2.26).</summary>
    public static byte[] NeedsGlibc234(string marker = "") =>
        new PackageBuilder().AddFile("bootstrap", ElfBuilder.Dynamic(ElfBuilder.X8664, glibc: ["GLIBC_2.2.5", "GLIBC_2.34"]), PackageBuilder.ExecutableMode)
            .AddFile("README.txt", "build " + marker).ToArray();

    /// <summary>A good package with <paramref name="padding"/> bytes of incompressible filler, stored: its zip is that large.</summary>
    public static byte[] GoodLarge(int padding, string marker = "")
    {
        var filler = new byte[padding];
        new Random(padding).NextBytes(filler);
        return new PackageBuilder().AddFile("bootstrap", ElfBuilder.Static(ElfBuilder.X8664, go: true), PackageBuilder.ExecutableMode)
            .AddFile("assets.bin", filler, stored: true)
            .AddFile("README.txt", "build " + marker).ToArray();
    }
}
