using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Guard.Aws.Ecr;

/// <summary>
/// An image in a private ECR registry, as Lambda's <c>ImageUri</c> names it:
/// <c>ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG</c> or <c>…/REPOSITORY@sha256:HEX</c> (<c>amazonaws.com.cn</c>
/// in China). The account is the registry: an image in another account is read from that account's registry.
/// </summary>
/// <param name="Tag">Null when the URI names a digest (or neither: then <c>latest</c>).</param>
public sealed partial record EcrImageUri(string RegistryId, string Region, string Host, string Repository, string? Tag, string? Digest)
{
    /// <summary>How the image is named in reports and messages: the URI itself (it carries no secret).</summary>
    public override string ToString() => $"{Host}/{Repository}{(Digest is not null ? "@" + Digest : ":" + (Tag ?? "latest"))}";

    /// <summary>The same image pinned to <paramref name="digest"/> (what Lambda's <c>ResolvedImageUri</c> names).</summary>
    public EcrImageUri At(string digest) => this with { Tag = null, Digest = digest };

    public static bool TryParse(string? text, [NotNullWhen(true)] out EcrImageUri? image)
    {
        image = null;
        var match = text is null ? null : Pattern().Match(text);
        if (match is not { Success: true })
        {
            return false;
        }

        image = new EcrImageUri(
            match.Groups["account"].Value,
            match.Groups["region"].Value,
            match.Groups["host"].Value,
            match.Groups["repository"].Value,
            match.Groups["tag"].Success ? match.Groups["tag"].Value : null,
            match.Groups["digest"].Success ? match.Groups["digest"].Value : null);
        return true;
    }

    /// <exception cref="FormatException">Not an ECR image URI.</exception>
    public static EcrImageUri Parse(string text) =>
        TryParse(text, out var image) ? image : throw new FormatException($"'{text}' is not an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or @sha256:DIGEST)");

    // ECR's repositoryName pattern (API reference, BatchGetImage): (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*;
    // a tag of up to 128 word characters; a sha256 digest. Both a tag and a digest may be given: the digest wins, as Docker's does.
    [GeneratedRegex(@"^(?<host>(?<account>[0-9]{12})\.dkr\.ecr\.(?<region>[a-z]{2}(-[a-z]+)+-[0-9]+)\.amazonaws\.com(\.cn)?)/(?<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)(:(?<tag>[\w][\w.-]{0,127}))?(@(?<digest>sha256:[a-f0-9]{64}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
