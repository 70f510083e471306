using System.Globalization;
using Guard.Aws.Http;
using Guard.Aws.SecurityHub;
using Guard.Function.Logging;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.Alerts;

/// <summary>
/// Security Hub: one ASFF finding per function and problem, in the account the function lives in. A verdict that
/// still has the problem updates its finding (same Id, newer UpdatedAt); a verdict without it (the function was
/// fixed) archives it. Security Hub then resets the workflow to NEW should the same problem come back.
/// </summary>
/// <param name="hubIn">The Security Hub of (account, region): Guard's own, or in Organization mode the member account's under its member role.</param>
public sealed class SecurityHubAlertChannel(Func<string, string, ISecurityHubApi> hubIn, GuardLog log, TimeProvider time) : IAlertChannel
{
    public Task<bool> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Verdict is { } verdict ? RecordAsync(verdict, cancellationToken) : Task.FromResult(false);
    }

    public async Task<bool> RecordAsync(FunctionVerdict verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var context = new LogContext(verdict.FunctionName, verdict.EventId, verdict.Verdict);
        if (verdict.Account is not { } account || verdict.Region is not { } region)
        {
            log.Warn($"{verdict.FunctionArn} names no account and region; not recorded in Security Hub", context);
            return false;
        }

        var productArn = AsffFinding.DefaultProductArn(AlertText.ArnPart(verdict.FunctionArn, 1) ?? "aws", region, account);
        try
        {
            var hub = hubIn(account, region);
            var existing = new List<AsffFinding>();
            await foreach (var finding in hub.ActiveFindingsAsync(productArn, verdict.FunctionArn, cancellationToken).ConfigureAwait(false))
            {
                // Guard's own findings on this function only, whatever the service's filters let through.
                if (finding.Id.StartsWith(IdPrefix(verdict), StringComparison.Ordinal) && finding.ProductArn == productArn)
                {
                    existing.Add(finding);
                }
            }

            var now = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            var current = Findings(verdict, productArn, now, existing);
            var resolved = existing
                .Where(old => current.All(f => f.Id != old.Id))
                .Select(old => old with { RecordState = AsffFinding.Archived, UpdatedAt = now });
            var batch = current.Concat(resolved).ToList();
            if (batch.Count == 0)
            {
                return false;
            }

            foreach (var chunk in batch.Chunk(SecurityHubClient.MaxFindingsPerCall))
            {
                var result = await hub.ImportAsync(chunk, cancellationToken).ConfigureAwait(false);
                foreach (var failed in result.FailedFindings)
                {
                    log.Error($"Security Hub refused finding {failed.Id}: {failed.ErrorCode} {failed.ErrorMessage}", context);
                }
            }

            log.Info($"Security Hub: {current.Count} active, {batch.Count - current.Count} archived finding(s) for {verdict.FunctionName}", context);
            return true;
        }
        catch (AwsServiceException e)
        {
            // SNS already carried the alert; a retry would publish it twice. The log line is the record of the miss.
            log.Error($"Security Hub could not be updated for {verdict.FunctionName}; its findings there are stale", context, e);
            return false;
        }
    }

    /// <summary>
    /// The verdict's problems as ASFF findings (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html),
    /// one per finding code; a problem already on record keeps its CreatedAt.
    /// </summary>
    public static IReadOnlyList<AsffFinding> Findings(FunctionVerdict verdict, string productArn, string now, IReadOnlyList<AsffFinding>? existing = null)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var account = verdict.Account ?? throw new ArgumentException("the verdict names no account", nameof(verdict));
        var firstSeen = DateTimeOffset.TryParse(verdict.ObservedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var observed)
            ? observed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : now;
        var partition = AlertText.ArnPart(verdict.FunctionArn, 1) ?? "aws";
        return [.. verdict.Problems().DistinctBy(f => f.Code, StringComparer.Ordinal).Select(finding =>
        {
            var id = IdPrefix(verdict) + finding.Code;
            return new AsffFinding(
                AsffFinding.CurrentSchemaVersion,
                id,
                productArn,
                $"guard/{finding.Code}",
                account,
                [$"Software and Configuration Checks/AWS Security Best Practices/{finding.Code}"],
                existing?.FirstOrDefault(f => f.Id == id)?.CreatedAt ?? firstSeen,
                now,
                new AsffSeverity(finding.Severity == Severity.Error ? "HIGH" : "LOW", FindingText.SeverityName(finding.Severity)),
                AlertText.Truncate(finding.Severity == Severity.Error ? $"{verdict.FunctionName} will not start: {finding.Code}" : $"{verdict.FunctionName}: {finding.Code}", AsffFinding.MaxTitleLength),
                AlertText.Truncate(FindingText.OneLine(finding), AsffFinding.MaxDescriptionLength),
                [new AsffResource("AwsLambdaFunction", verdict.FunctionArn, partition, verdict.Region)],
                AsffFinding.Active,
                finding.Hint is { Length: > 0 } hint ? new AsffRemediation(new AsffRecommendation(AlertText.Truncate(hint, 512))) : null,
                verdict.ConsoleUrl,
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["guard/verdict"] = verdict.Verdict,
                    ["guard/origin"] = verdict.Origin,
                    ["guard/codeSha256"] = verdict.CodeSha256,
                    ["guard/mode"] = verdict.Mode,
                },
                verdict.Region,
                ProductName: "Guard");
        })];
    }

    /// <summary>Ids are "{function ARN}/{finding code}": stable across verdicts, so a later import updates the same finding.</summary>
    private static string IdPrefix(FunctionVerdict verdict) => verdict.FunctionArn + "/";
}
