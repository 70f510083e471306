namespace Guard.Aws.Store;

/// <summary>A copy of a function's code in the store bucket, addressed by its digest.</summary>
/// <param name="CodeSha256">Lambda's form: base64 of the SHA-256 of the zip.</param>
public sealed record StoredCode(string Bucket, string Key, string CodeSha256);
