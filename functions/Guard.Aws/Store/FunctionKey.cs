namespace Guard.Aws.Store;

/// <summary>
/// A function as Guard's store keys it: <c>{account}/{region}/{name}</c>. The Lambda writes these keys and
/// <c>guard rollback</c> reads them, so both take them from here.
/// </summary>
public sealed record FunctionKey(string Account, string Region, string FunctionName)
{
    public string GoodKey => $"good/{Account}/{Region}/{FunctionName}.json";

    public string PendingKey => $"pending/{Account}/{Region}/{FunctionName}.json";

    public string PlaceholderTagKey => $"placeholder-tags/{Account}/{Region}/{FunctionName}.json";

    public string RollbackKey(string badRevisionId) => $"rollbacks/{Account}/{Region}/{FunctionName}/{badRevisionId}.json";

    /// <summary>
    /// <c>rollbacks/{account}/{region}/{name}/made/{revisionId}.json</c>: an update Guard made. The revision comes from
    /// an event, so it is escaped: it can never name a key outside this function's folder.
    /// </summary>
    public string GuardUpdateKey(string revisionId) => $"rollbacks/{Account}/{Region}/{FunctionName}/made/{Uri.EscapeDataString(revisionId)}.json";

    /// <summary>
    /// <c>alerted/{account}/{region}/{name}/{problem}-{hex sha256}.json</c>: hex, because base64 has '/' and '+',
    /// which would make the digest a path. A CodeSha256 that is not base64 is escaped instead.
    /// </summary>
    public string AlertedKey(string problem, string codeSha256)
    {
        ArgumentNullException.ThrowIfNull(codeSha256);
        Span<byte> digest = stackalloc byte[64];
        var name = Convert.TryFromBase64String(codeSha256, digest, out var written)
            ? Convert.ToHexStringLower(digest[..written])
            : Uri.EscapeDataString(codeSha256);
        return $"alerted/{Account}/{Region}/{FunctionName}/{problem}-{name}.json";
    }

    /// <summary>The function a <c>pending/{account}/{region}/{name}.json</c> key names; null for any other key.</summary>
    public static FunctionKey? FromPendingKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts is ["pending", { Length: > 0 } account, { Length: > 0 } region, { Length: > 5 } file] && file.EndsWith(".json", StringComparison.Ordinal)
            ? new FunctionKey(account, region, file[..^".json".Length])
            : null;
    }

    /// <summary>From <c>arn:partition:lambda:region:account:function:name[:qualifier]</c>; the fallbacks when the ARN lacks them.</summary>
    public static FunctionKey FromArn(string functionArn, string functionName, string? fallbackAccount, string? fallbackRegion)
    {
        ArgumentNullException.ThrowIfNull(functionArn);
        var parts = functionArn.Split(':');
        var region = parts.Length > 3 && parts[3].Length > 0 ? parts[3] : fallbackRegion ?? "unknown-region";
        var account = parts.Length > 4 && parts[4].Length > 0 ? parts[4] : fallbackAccount ?? "unknown-account";
        return new FunctionKey(account, region, functionName);
    }
}
