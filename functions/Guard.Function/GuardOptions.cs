using Guard.Aws.Functions;
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
/// The function's configuration (docs/guard-lambda.md, "Configuration"), read once from the environment at start.
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
/// <param name="Quarantine">
/// <c>GUARD_QUARANTINE=true</c>: in rollback mode, a broken function with no good code to go back to gets reserved
/// concurrency 0 and a <c>guard:quarantined</c> tag, so callers are throttled instead of crashing.
/// </param>
/// <param name="RoleArn">
/// <c>GUARD_ROLE_ARN</c>: Guard's own role, exactly. A deploy is Guard's own — only checked, never rolled back — when
/// its session was issued for this role (or, in Organization mode, for the member role of the event's account and
/// Region) and it left a revision Guard recorded making. Without it, every deploy is judged alike.
/// </param>
/// <param name="OwnFunctionName">
/// <c>AWS_LAMBDA_FUNCTION_NAME</c> (set by Lambda): names Guard's sessions in member accounts. A session name is the
/// caller's choice, so it never tells Guard's calls from anyone's.
/// </param>
/// <param name="RollbackWait">
/// <c>GUARD_ROLLBACK_WAIT_SECONDS</c>: how long a rollback waits for <c>LastUpdateStatus</c> to settle, per update.
/// Keep the function's timeout above twice this plus the check itself.
/// </param>
/// <param name="MemberRole">
/// <c>GUARD_MEMBER_ROLE</c>: Organization mode. Deploy events from other accounts (forwarded to the central bus) are
/// checked, rolled back or quarantined in their own account through <c>{this}-{region}</c> (the member stack's
/// <c>GuardMember-us-east-1</c>: IAM role names are global, so each Region's stack instance has its own);
/// needs <c>GUARD_ROLE_ARN</c>, whose account is Guard's own.
/// </param>
/// <param name="SecurityHub">
/// <c>GUARD_SECURITY_HUB=true</c>: every verdict's problems become ASFF findings in the function's account (one per
/// function and finding code), archived once a later verdict no longer has them.
/// </param>
/// <param name="EventBus">
/// <c>GUARD_EVENT_BUS</c>: an EventBridge bus (name or ARN; <c>default</c> for the account's default bus) that gets one
/// "Guard Verdict" event per verdict; unset puts none.
/// </param>
public sealed record GuardOptions(
    GuardMode Mode,
    string? TopicArn,
    string? StoreBucket,
    IReadOnlySet<string> PlaceholderSha256,
    TimeSpan PlaceholderGrace,
    string? SlackWebhookParameter,
    CodeLocationRewrite? CodeLocationRewrite,
    bool Quarantine = false,
    string? RoleArn = null,
    string? OwnFunctionName = null,
    TimeSpan? RollbackWait = null,
    string? MemberRole = null,
    bool SecurityHub = false,
    string? EventBus = null)
{
    public static readonly TimeSpan DefaultPlaceholderGrace = TimeSpan.FromMinutes(60);

    public static readonly TimeSpan DefaultRollbackWait = TimeSpan.FromSeconds(60);

    /// <summary><see cref="RollbackWait"/>, or <see cref="DefaultRollbackWait"/> when unset.</summary>
    public TimeSpan RollbackWaitOrDefault => RollbackWait ?? DefaultRollbackWait;

    /// <summary>Guard's own account: the fifth field of <see cref="RoleArn"/>.</summary>
    public string? OwnAccount => RoleArn?.Split(':') is { Length: > 5 } parts && parts[4].Length == 12 ? parts[4] : null;

    /// <summary>The partition of <see cref="RoleArn"/> (aws, aws-cn, aws-us-gov).</summary>
    public string Partition => RoleArn?.Split(':') is { Length: > 5 } parts && parts[1].Length > 0 ? parts[1] : "aws";

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

        var quarantine = false;
        if (Value("GUARD_QUARANTINE") is { } quarantineText && !bool.TryParse(quarantineText, out quarantine))
        {
            throw new FormatException($"GUARD_QUARANTINE is '{quarantineText}'; expected true or false");
        }

        var role = Value("GUARD_ROLE_ARN");
        if (role is not null && !(role.StartsWith("arn:", StringComparison.Ordinal) && role.Contains(":role/", StringComparison.Ordinal)))
        {
            throw new FormatException($"GUARD_ROLE_ARN is '{role}'; expected an IAM role ARN (arn:aws:iam::123456789012:role/name)");
        }

        TimeSpan? wait = null;
        if (Value("GUARD_ROLLBACK_WAIT_SECONDS") is { } waitText)
        {
            if (!int.TryParse(waitText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 600)
            {
                throw new FormatException($"GUARD_ROLLBACK_WAIT_SECONDS is '{waitText}'; expected a whole number of seconds from 1 to 600");
            }

            wait = TimeSpan.FromSeconds(seconds);
        }

        var memberRole = Value("GUARD_MEMBER_ROLE");
        if (memberRole is not null)
        {
            if (memberRole.Contains(':', StringComparison.Ordinal) || memberRole.Contains('/', StringComparison.Ordinal))
            {
                throw new FormatException($"GUARD_MEMBER_ROLE is '{memberRole}'; expected a role name (GuardMember), not an ARN");
            }

            if (role is null || role.Split(':') is not { Length: > 5 } roleParts || roleParts[4].Length != 12)
            {
                throw new FormatException("GUARD_MEMBER_ROLE (Organization mode) needs GUARD_ROLE_ARN: its account is Guard's own, and only that role may assume the member role");
            }
        }

        var securityHub = false;
        if (Value("GUARD_SECURITY_HUB") is { } securityHubText && !bool.TryParse(securityHubText, out securityHub))
        {
            throw new FormatException($"GUARD_SECURITY_HUB is '{securityHubText}'; expected true or false");
        }

        var bus = Value("GUARD_EVENT_BUS");
        if (bus is not null && (bus.Any(char.IsWhiteSpace) || bus.StartsWith("arn:", StringComparison.Ordinal) && !bus.Contains(":event-bus/", StringComparison.Ordinal)))
        {
            throw new FormatException($"GUARD_EVENT_BUS is '{bus}'; expected an event bus name or ARN (arn:aws:events:us-east-1:123456789012:event-bus/name)");
        }

        return new GuardOptions(
            mode,
            topic,
            Value("GUARD_STORE_BUCKET"),
            placeholders,
            grace,
            Value("GUARD_SLACK_WEBHOOK_PARAMETER"),
            Value("GUARD_CODE_LOCATION_REWRITE") is { } rewrite ? CodeLocationRewrite.Parse(rewrite) : null,
            quarantine,
            role,
            Value("AWS_LAMBDA_FUNCTION_NAME"),
            wait,
            memberRole,
            securityHub,
            bus);
    }
}
