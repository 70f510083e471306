using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Guard.Aws.Store;

/// <summary>Where the store keeps the verdict given on one package under one set of settings.</summary>
public static class VerdictKeys
{
    /// <summary>
    /// <c>verdicts/{account}/{hex sha256 of the code}/{hex sha256 of the settings}.json</c>. The settings are every
    /// input of the judgement besides the bytes (runtime, architecture, layer ARNs, and whatever else the caller
    /// passes); each is written with its length, so no two different lists name the same key.
    /// </summary>
    /// <param name="judgedUnder">The settings, in a fixed order; null stands for an absent one.</param>
    /// <exception cref="FormatException"><paramref name="codeSha256"/> is not base64 of exactly 32 bytes.</exception>
    /// <exception cref="ArgumentException"><paramref name="account"/> is empty or holds a '/'.</exception>
    public static string For(string account, string codeSha256, IEnumerable<string?> judgedUnder)
    {
        ArgumentNullException.ThrowIfNull(judgedUnder);
        return Key(account, CodeKeys.Hex(codeSha256), judgedUnder);
    }

    /// <summary>
    /// The same for a container image, named by its manifest digest (<c>sha256:</c> and 64 hex digits), which no push
    /// can move: <c>verdicts/{account}/{hex of the digest}/{hex sha256 of the settings}.json</c>.
    /// </summary>
    /// <exception cref="FormatException"><paramref name="digest"/> is not a sha256 digest.</exception>
    public static string ForImage(string account, string digest, IEnumerable<string?> judgedUnder)
    {
        ArgumentNullException.ThrowIfNull(digest);
        const string Algorithm = "sha256:";
        var hex = digest.StartsWith(Algorithm, StringComparison.Ordinal) ? digest[Algorithm.Length..] : "";
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigitLower))
        {
            throw new FormatException($"'{digest}' is not an image digest (sha256: and 64 lowercase hex digits)");
        }

        return Key(account, hex, ["image", .. judgedUnder]);
    }

    private static string Key(string account, string codeHex, IEnumerable<string?> judgedUnder)
    {
        ArgumentNullException.ThrowIfNull(judgedUnder);
        var settings = new StringBuilder();
        foreach (var value in judgedUnder)
        {
            settings.Append(value is null ? "-" : value.Length.ToString(CultureInfo.InvariantCulture) + ":" + value).Append('\n');
        }

        var settingsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToString())));
        return $"verdicts/{CodeKeys.Segment(account)}/{codeHex}/{settingsHash}.json";
    }
}
