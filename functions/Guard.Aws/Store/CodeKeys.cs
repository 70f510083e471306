namespace Guard.Aws.Store;

/// <summary>Where the store keeps a copy of a function's code, and the verdicts given on it.</summary>
public static class CodeKeys
{
    /// <summary>
    /// <c>code/{account}/{lower-case hex of the digest}.zip</c>: under the function's account, so a bucket policy
    /// or a member role can be granted one account's copies; hex, because base64's '/' and '+' make awkward keys.
    /// </summary>
    /// <param name="account">The function's account ID.</param>
    /// <param name="codeSha256">Lambda's CodeSha256: base64 of the SHA-256 of the zip.</param>
    /// <exception cref="FormatException"><paramref name="codeSha256"/> is not base64 of exactly 32 bytes.</exception>
    /// <exception cref="ArgumentException"><paramref name="account"/> is empty or holds a '/'.</exception>
    public static string For(string account, string codeSha256) => $"code/{Segment(account)}/{Hex(codeSha256)}.zip";

    /// <summary>The digest as a key segment: lower-case hex of the 32 bytes.</summary>
    /// <exception cref="FormatException"><paramref name="codeSha256"/> is not base64 of exactly 32 bytes.</exception>
    public static string Hex(string codeSha256)
    {
        ArgumentNullException.ThrowIfNull(codeSha256);
        Span<byte> digest = stackalloc byte[48];
        if (!Convert.TryFromBase64String(codeSha256, digest, out var written) || written != 32)
        {
            throw new FormatException($"'{codeSha256}' is not a base64 SHA-256 (Lambda's CodeSha256 form)");
        }

        return Convert.ToHexStringLower(digest[..32]);
    }

    /// <summary>An account as one key segment: a '/' would move the key under another account's prefix.</summary>
    internal static string Segment(string account)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        if (account.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{account}' is not an account ID", nameof(account));
        }

        return account;
    }
}
