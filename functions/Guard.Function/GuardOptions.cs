using System.Globalization;

namespace Guard.Function;

/// <summary>What Guard does about a broken deploy (<c>GUARD_MODE</c>, or a function's <c>guard:mode</c> tag).</summary>
public enum GuardMode
{
    Alert,
    Rollback,
    Off,
}

public static class GuardModes
{
    public static string ToName(this GuardMode mode) => mode switch
    {
        GuardMode.Rollback => "rollback",
        GuardMode.Off => "off",
        _ => "alert",
    };

    public static bool TryParse(string? value, out GuardMode mode)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "alert":
                mode = GuardMode.Alert;
                return true;
            case "rollback":
                mode = GuardMode.Rollback;
                return true;
            case "off":
                mode = GuardMode.Off;
                return true;
            default:
                mode = GuardMode.Alert;
                return false;
        }
    }
}

/// <summary>
/// The function's configuration (design.md, "Lambda configuration"), read once from the environment at start.
/// A malformed value fails initialization (reported on <c>/init/error</c>) rather than being guessed at.
/// </summary>
/// <param name="TopicArn">SNS topic for alerts; no alert is published when unset.</param>
/// <param name="StoreBucket">Bucket for last-known-good and pending-placeholder records; unset disables both.</param>
/// <param name="PlaceholderSha256">Base64 SHA-256 digests the operator declares placeholders.</param>
/// <param name="SlackWebhookParameter">SSM SecureString parameter holding a Slack incoming-webhook URL.</param>
/// <param name="CodeLocationRewrite">
/// <c>GUARD_CODE_LOCATION_REWRITE=fromPrefix=toPrefix</c>: only for local emulators (moto) whose
/// <c>Code.Location</c> points at an unreachable host; never set on AWS.
/// </param>
public sealed record GuardOptions(
    GuardMode Mode,
    string? TopicArn,
    string? StoreBucket,
    IReadOnlySet<string> PlaceholderSha256,
    TimeSpan PlaceholderGrace,
    string? SlackWebhookParameter,
    CodeLocationRewrite? CodeLocationRewrite)
{
    public static readonly TimeSpan DefaultPlaceholderGrace = TimeSpan.FromMinutes(60);

    public static GuardOptions FromEnvironment(Func<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        string? Value(string name) => variables(name) is { Length: > 0 } value && value.Trim().Length > 0 ? value.Trim() : null;

        var modeText = Value("GUARD_MODE");
        if (!GuardModes.TryParse(modeText ?? "alert", out var mode))
        {
            throw new FormatException($"GUARD_MODE is '{modeText}'; expected alert, rollback or off");
        }

        var grace = DefaultPlaceholderGrace;
        if (Value("GUARD_PLACEHOLDER_GRACE_MINUTES") is { } graceText)
        {
            if (!int.TryParse(graceText, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
            {
                throw new FormatException($"GUARD_PLACEHOLDER_GRACE_MINUTES is '{graceText}'; expected a whole number of minutes");
            }

            grace = TimeSpan.FromMinutes(minutes);
        }

        var placeholders = (Value("GUARD_PLACEHOLDER_SHA256") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        Span<byte> bytes = stackalloc byte[48];
        foreach (var digest in placeholders)
        {
            if (!Convert.TryFromBase64String(digest, bytes, out var written) || written != 32)
            {
                throw new FormatException($"GUARD_PLACEHOLDER_SHA256 has '{digest}', which is not a base64 SHA-256 (Lambda's CodeSha256 form)");
            }
        }

        var topic = Value("GUARD_TOPIC_ARN");
        if (topic is not null && !topic.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new FormatException($"GUARD_TOPIC_ARN is '{topic}'; expected an SNS topic ARN");
        }

        return new GuardOptions(
            mode,
            topic,
            Value("GUARD_STORE_BUCKET"),
            placeholders,
            grace,
            Value("GUARD_SLACK_WEBHOOK_PARAMETER"),
            Value("GUARD_CODE_LOCATION_REWRITE") is { } rewrite ? CodeLocationRewrite.Parse(rewrite) : null);
    }
}

/// <summary>Replaces a URL prefix: lets a local emulator's unfetchable <c>Code.Location</c> be served from elsewhere.</summary>
public sealed record CodeLocationRewrite(string FromPrefix, Uri ToPrefix)
{
    public static CodeLocationRewrite Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // The first '=' that is followed by a scheme separates the two URLs (query strings may contain '=').
        var split = text.IndexOf("=http", StringComparison.Ordinal);
        if (split <= 0 || !Uri.TryCreate(text[(split + 1)..], UriKind.Absolute, out var to))
        {
            throw new FormatException("GUARD_CODE_LOCATION_REWRITE must be fromPrefix=toPrefix, both absolute http(s) URLs");
        }

        return new CodeLocationRewrite(text[..split], to);
    }

    public Uri Apply(Uri location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var text = location.AbsoluteUri;
        return text.StartsWith(FromPrefix, StringComparison.Ordinal)
            ? new Uri(ToPrefix.AbsoluteUri.TrimEnd('/') + "/" + text[FromPrefix.Length..].TrimStart('/'))
            : location;
    }
}
