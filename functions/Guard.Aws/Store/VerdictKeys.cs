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
        var settings = new StringBuilder();
        foreach (var value in judgedUnder)
        {
            settings.Append(value is null ? "-" : value.Length.ToString(CultureInfo.InvariantCulture) + ":" + value).Append('\n');
        }

        var settingsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.ToString())));
        return $"verdicts/{CodeKeys.Segment(account)}/{CodeKeys.Hex(codeSha256)}/{settingsHash}.json";
    }
}
