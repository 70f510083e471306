using System.Globalization;
using System.Text;
using System.Text.Json;
using Guard.Inspection.Reporting;
using Guard.Inspection.Rules;

namespace Guard.Function.CloudFormation;

/// <summary>
/// The hook's <c>CHANGE_SET</c> target (https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/lambda-hooks-create-lambda-function.html, "Evaluating change set
/// operations"): fetches the change set's payload, plans every <c>AWS::Lambda::Function</c> it creates or updates the
/// way a resource invocation is planned (<see cref="HookHandler.Plan(string?, string?, JsonElement, JsonElement, RuntimeCatalog, out string?)"/>),
/// judges them through the hook's one per-function check, a few at once, all within the invocation's one budget, and
/// answers once for the set: FAILED/<c>NonCompliant</c> naming each function that would not start, with its finding
/// and fix.
/// </summary>
/// <remarks>
/// Functions not judged when the budget runs out are named; with none found broken the answer is IN_PROGRESS, carrying
/// the functions already judged good so that the next call reads only the rest, and after the last allowed call
/// FAILED/<c>InternalFailure</c>, which the hook's FailureMode turns into a warning or a stop: a function Guard did not
/// judge is never called broken. A property whose value the change set cannot know yet (another resource's attribute,
/// a dynamic reference) leaves its function to the <c>RESOURCE</c> target, which sees it resolved.
/// </remarks>
internal sealed class ChangeSetHook(
    HookPayloadClient payloads,
    RuntimeCatalog runtimes,
    Func<PackageToCheck, string, CancellationToken, Task<FunctionJudgement>> judge)
{
    /// <summary>Functions checked at once: each check is a few ranged reads, mostly waiting on S3.</summary>
    internal const int ChecksAtOnce = 4;

    // How CloudFormation writes a value it will know only while the change set runs; and a dynamic reference, resolved then.
    private static readonly string[] UnresolvedMarkers = ["{{changeSet:", "{{resolve:"];

    public async Task<HookResponse> AnswerAsync(HookRequest request, CancellationToken budget)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = request.ClientRequestToken ?? "";
        ChangeSetPayload payload;
        try
        {
            var body = await payloads.GetAsync(request.RequestData?.Payload, budget).WaitAsync(budget).ConfigureAwait(false);
            payload = JsonSerializer.Deserialize(body, FunctionJsonContext.Default.ChangeSetPayload) ?? throw new JsonException("the payload is null");
        }
        catch (Exception) when (budget.IsCancellationRequested)
        {
            return HookHandler.Retry(request, token, "the change set's payload did not arrive in time", Passed(request));
        }
        catch (HookPayloadException e) when (e.IsTransient)
        {
            return HookHandler.Retry(request, token, $"could not fetch the change set's payload: {e.Message}", Passed(request));
        }
        catch (Exception e) when (e is HookPayloadException or JsonException)
        {
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure,
                $"Guard could not read the change set's payload: {e.Message.ReplaceLineEndings(" ")}. Nothing was judged.", token);
        }

        var passedBefore = Passed(request) ?? [];
        var functions = (payload.ChangedResources ?? [])
            .Where(c => c is not null && c.ResourceType == HookHandler.LambdaFunctionType)
            .Select(c => Plan(c, passedBefore))
            .ToArray();
        var outcomes = await JudgeAllAsync(functions, budget).ConfigureAwait(false);
        return Answer(request, token, functions, outcomes, passedBefore);
    }

    /// <summary>One function of the set: what to check, or why it passes without a check.</summary>
    private sealed record PlannedFunction(string LogicalId, PackageToCheck? Target, string? PassBecause);

    private PlannedFunction Plan(ChangedResource change, IReadOnlyList<string> passedBefore)
    {
        var logicalId = change.LogicalResourceId ?? "(no logical id)";
        if (passedBefore.Contains(logicalId, StringComparer.Ordinal))
        {
            return new PlannedFunction(logicalId, null, "judged able to start on an earlier call");
        }

        var point = change.Action?.ToUpperInvariant() switch
        {
            ChangedResource.Create => HookRequest.CreatePreProvision,
            ChangedResource.Update => HookRequest.UpdatePreProvision,
            _ => $"{change.Action ?? "an unnamed action"} in a change set",
        };
        var after = Properties(change.AfterContext);
        if (Unresolved(after) is { } property)
        {
            return new PlannedFunction(logicalId, null,
                $"its {property} is known only when the change set runs; Guard checks it then, before the function is provisioned");
        }

        var target = HookHandler.Plan(point, change.ResourceType, after, Properties(change.BeforeContext), runtimes, out var passBecause);
        return new PlannedFunction(logicalId, target, passBecause);
    }

    /// <summary>
    /// Every planned check, <see cref="ChecksAtOnce"/> at a time, until <paramref name="budget"/> ends; a function whose
    /// check had not started by then has no outcome (null).
    /// </summary>
    private async Task<FunctionJudgement?[]> JudgeAllAsync(PlannedFunction[] functions, CancellationToken budget)
    {
        var outcomes = new FunctionJudgement?[functions.Length];
        var toCheck = Enumerable.Range(0, functions.Length).Where(i => functions[i].Target is not null);
        try
        {
            await Parallel.ForEachAsync(
                toCheck,
                new ParallelOptions { MaxDegreeOfParallelism = ChecksAtOnce, CancellationToken = budget },
                async (i, cancellationToken) =>
                {
                    var function = functions[i];
                    outcomes[i] = await judge(function.Target!, HookHandler.Subject(function.LogicalId, function.Target!), budget).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            // The checks that had started returned their own "did not finish in time"; the rest are reported unjudged.
        }

        return outcomes;
    }

    private static HookResponse Answer(HookRequest request, string token, PlannedFunction[] functions, FunctionJudgement?[] outcomes, IReadOnlyList<string> passedBefore)
    {
        var broken = new List<(PlannedFunction Function, Report Report)>();
        var passed = new List<string>(passedBefore);
        var started = new List<(PlannedFunction Function, Report Report)>();
        var notes = new List<string>();
        var unjudged = new List<string>();
        var failures = new List<string>();
        for (var i = 0; i < functions.Length; i++)
        {
            var function = functions[i];
            if (function.Target is null)
            {
                notes.Add($"{function.LogicalId}: {function.PassBecause}.");
                continue;
            }

            switch (outcomes[i])
            {
                case null:
                    unjudged.Add(function.LogicalId);
                    break;
                case { Unfinished: not null }:
                    unjudged.Add(function.LogicalId);
                    break;
                case { Failure: { } failure }:
                    failures.Add(failure);
                    break;
                case { Result.Report: { Verdict: Verdict.Broken } report }:
                    broken.Add((function, report));
                    break;
                case { Result.Report: { } report }:
                    started.Add((function, report));
                    passed.Add(function.LogicalId);
                    break;
                case { Result: { } result }:
                    // Read, but nothing Guard judges (e.g. a placeholder package): it cannot fail.
                    notes.Add($"{function.LogicalId}: {result.NotCheckedBecause}.");
                    passed.Add(function.LogicalId);
                    break;
            }
        }

        var annotations = broken.Concat(started)
            .SelectMany(f => HookHandler.Annotations(f.Report, f.Function.LogicalId))
            .Take(HookHandler.MaxAnnotations)
            .ToList();
        var notJudged = unjudged.Count == 0 ? "" : $" Not judged in time: {string.Join(", ", unjudged)}.";
        if (broken.Count > 0)
        {
            // The names first, so that a long finding cut at the message's limit never hides which functions are broken.
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Guard: {broken.Count} of {functions.Length} Lambda functions in the change set will not start: ")
                .AppendJoin(", ", broken.Select(b => b.Function.LogicalId)).Append('.');
            foreach (var (function, report) in broken)
            {
                text.Append(' ').Append(CheckWording.Broken(report, HookHandler.Subject(function.LogicalId, function.Target!)));
            }

            text.Append(notJudged);
            foreach (var failure in failures)
            {
                text.Append(' ').Append(failure).Append('.');
            }

            return new HookResponse(HookResponse.Failed, HookResponse.NonCompliant, text.ToString(), token, Annotations: annotations);
        }

        if (unjudged.Count > 0)
        {
            var why = string.Create(CultureInfo.InvariantCulture, $"{unjudged.Count} of {functions.Length} Lambda functions in the change set were not judged in time ({string.Join(", ", unjudged)})");
            return HookHandler.Retry(request, token, why, passed, $"none of the {passed.Count} judged was broken");
        }

        if (failures.Count > 0)
        {
            return new HookResponse(HookResponse.Failed, HookResponse.InternalFailure, string.Join(". ", failures) + ".", token, Annotations: annotations);
        }

        if (functions.Length == 0)
        {
            return new HookResponse(HookResponse.Success, null, "Guard: the change set creates, updates or deletes no Lambda function.", token);
        }

        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture,
            $"Guard: none of the change set's {functions.Length} Lambda functions is broken ({started.Count} checked, {functions.Length - started.Count} needing no check).");
        foreach (var (function, report) in started)
        {
            summary.Append(' ').Append(report.Verdict == Verdict.Placeholder
                ? HookHandler.Placeholder(HookHandler.Subject(function.LogicalId, function.Target!))
                : HookHandler.Starts(report, HookHandler.Subject(function.LogicalId, function.Target!)));
        }

        summary.AppendJoin("", notes.Select(n => " " + n));
        return new HookResponse(HookResponse.Success, null, summary.ToString(), token, Annotations: annotations.Count == 0 ? null : annotations);
    }

    /// <summary>The <c>Properties</c> of a before or after context, given as a JSON string (as documented) or an object.</summary>
    private static JsonElement Properties(JsonElement context)
    {
        var root = context;
        if (context.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var document = JsonDocument.Parse(context.GetString()!);
                root = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return default;
            }
        }

        return TemplateProperties.Child(root, "Properties");
    }

    /// <summary>The first property that decides what Lambda runs and is not known yet, or null.</summary>
    private static string? Unresolved(JsonElement properties)
    {
        foreach (var name in HookHandler.PackageProperties)
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var value) && HoldsMarker(value))
            {
                return name;
            }
        }

        var variables = TemplateProperties.Child(TemplateProperties.Child(properties, "Environment"), "Variables");
        return variables.ValueKind == JsonValueKind.Object && variables.TryGetProperty("LD_LIBRARY_PATH", out var path) && HoldsMarker(path)
            ? "LD_LIBRARY_PATH"
            : null;
    }

    private static bool HoldsMarker(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => UnresolvedMarkers.Any(m => value.GetString()!.Contains(m, StringComparison.Ordinal)),
        JsonValueKind.Object => value.EnumerateObject().Any(p => HoldsMarker(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Any(HoldsMarker),
        _ => false,
    };

    /// <summary>The functions a previous IN_PROGRESS answer carried as judged good; the context may come back as a JSON string.</summary>
    private static IReadOnlyList<string>? Passed(HookRequest request)
    {
        var context = request.RequestContext?.CallbackContext ?? default;
        try
        {
            var callback = context.ValueKind switch
            {
                JsonValueKind.Object => context.Deserialize(FunctionJsonContext.Default.HookCallbackContext),
                JsonValueKind.String => JsonSerializer.Deserialize(context.GetString()!, FunctionJsonContext.Default.HookCallbackContext),
                _ => null,
            };
            return callback?.Passed;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
