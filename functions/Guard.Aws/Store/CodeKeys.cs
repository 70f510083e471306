namespace Guard.Aws.Store;

/// <summary>Where the store keeps a copy of a function's code.</summary>
public static class CodeKeys
{
    /// <summary>
    /// <c>code/{lower-case hex of the digest}.zip</c>: hex, because base64's '/' and '+' make awkward keys.
    /// </summary>
    /// <param name="codeSha256">Lambda's CodeSha256: base64 of the SHA-256 of the zip.</param>
    /// <exception cref="FormatException"><paramref name="codeSha256"/> is not base64 of exactly 32 bytes.</exception>
    public static string For(string codeSha256)
    {
        ArgumentNullException.ThrowIfNull(codeSha256);
        Span<byte> digest = stackalloc byte[48];
        if (!Convert.TryFromBase64String(codeSha256, digest, out var written) || written != 32)
        {
            throw new FormatException($"'{codeSha256}' is not a base64 SHA-256 (Lambda's CodeSha256 form)");
        }

        return $"code/{Convert.ToHexStringLower(digest[..32])}.zip";
    }
}
