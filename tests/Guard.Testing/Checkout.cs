using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Guard.Testing;

/// <summary>The checkout these tests were built from, and scratch folders that belong to it alone.</summary>
public static class Checkout
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// A folder under the temp directory named for this checkout: two clones testing at once never build into
    /// one, and an output left by another tree is never taken for this tree's.
    /// </summary>
    public static string ScratchDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), $"{name}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Root)))[..12].ToLowerInvariant()}");

    private static string FindRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
