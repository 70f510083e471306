using Guard.Cli.Apps.Sources;
using Guard.Cli.Apps.Templates;
using Guard.Cli.Apps.Terraform;
using Guard.Cli.Images;
using Guard.Cli.Scanning;
using Guard.Inspection.Rules;

namespace Guard.Cli.Apps;

/// <summary>What <c>guard check</c> was asked, parsed: the packages and templates, and how to judge them.</summary>
internal sealed record CheckOptions(
    IReadOnlyList<string> Packages,
    string Runtime,
    Architecture Architecture,
    IReadOnlyList<string> Layers,
    string Format,
    string? Handler,
    IReadOnlySet<string> PlaceholderSha256,
    FileInfo? OutputFile,
    TimeSpan Timeout,
    IReadOnlyDictionary<string, string> ParameterOverrides,
    FailOn FailOn,
    IReadOnlySet<string> Ignore,
    string? WorkingDirectory = null)
{
    /// <summary>What a function sam build has not built yet is: <c>--unbuilt fail|warn|ok</c>.</summary>
    public UnbuiltPolicy Unbuilt { get; init; } = UnbuiltPolicy.Fail;
}

/// <summary>What a check found: one result per package or function, and the one-line problems to tell on standard error.</summary>
/// <param name="IsApp">Some argument was a template or an app folder: the report lists functions.</param>
/// <param name="Problems">Why something was not checked, in the order met, each one line without the "guard: " prefix.</param>
internal sealed record CheckRun(IReadOnlyList<CheckResult> Results, bool IsApp, IReadOnlyList<string> Problems, int ExitCode)
{
    /// <summary>The one package checked on its own (not a function of an app), whose report has the single-package form.</summary>
    public CheckResult? Single => Results.Count == 1 && (!IsApp || Results[0].Function is null) ? Results[0] : null;
}

/// <summary>
/// <c>guard check</c>'s work: each argument (a package, a template, an app folder) walked into the packages to
/// judge, each judged within the timeout, the results in argument and template order.
/// </summary>
internal sealed class CheckService(AwsConnection connection)
{
    /// <summary>An app's packages judged at once: enough to overlap one package's waits (S3, a layer look-up) with another's work.</summary>
    internal static int PackagesAtOnce => Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>
    /// A template, a folder that is an app (a CDK cloud assembly, a Serverless Framework package folder), a Terraform
    /// plan, or a project (serverless.yml, cdk.json, a project folder).
    /// </summary>
    public static bool IsApp(string argument) =>
        TemplateFile.LooksLikeTemplate(argument) || AppFolder.IsAppFolder(argument) || TerraformFiles.IsPlanJson(argument) || ProjectFolder.IsProject(argument);

    public async Task<CheckRun> RunAsync(CheckOptions options, CancellationToken cancellationToken)
    {
        using var sources = connection.PackageSources();
        var check = new ArgumentCheck(new PackageArguments(sources), connection.Layers(), options.PlaceholderSha256, options.Timeout);
        var run = new Walk(options, check, [], connection.Images());
        var results = new List<CheckResult>();
        var isApp = false;
        var ignored = options.Ignore.ToDictionary(code => code, _ => "--ignore", StringComparer.Ordinal);
        foreach (var package in options.Packages)
        {
            // Before templates: a plan's JSON is named .json too, and a .tf file or folder is no package.
            if (TerraformFiles.IsPlanJson(package))
            {
                isApp = true;
                results.AddRange(await CheckTerraformPlanAsync(package, run, cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (TerraformFiles.NotAPlan(package) is { } terraform)
            {
                run.Problems.Add(terraform);
                results.Add(CheckResult.NotChecked(package, null, null, null, terraform));
                continue;
            }

            // Before templates: serverless.yml and cdk.json are named like templates, and a project folder is no package.
            if (ProjectFolder.IsProject(package))
            {
                isApp = true;
                results.AddRange(await CheckProjectAsync(package, run, cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (TemplateFile.LooksLikeTemplate(package))
            {
                isApp = true;
                results.AddRange(await CheckAppAsync(package, null, run, cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (AppFolder.IsAppFolder(package))
            {
                isApp = true;
                results.AddRange(await CheckAppFolderAsync(package, run, cancellationToken).ConfigureAwait(false));
                continue;
            }

            var result = ImageCheck.IsImage(package)
                ? await ImageCheck.RunAsync(new ImageRequest(package, options.Architecture, Ignored: ignored), options.Timeout, run.Images, cancellationToken).ConfigureAwait(false)
                : await check.RunAsync(new PackageRequest(package, options.Runtime, options.Architecture, [.. options.Layers.Select(LayerSource.Open)], options.Handler, Ignored: ignored), cancellationToken).ConfigureAwait(false);
            if (result.Outcome == Outcome.NotChecked)
            {
                // One line per package that could not be checked, as for a single one; the others are still judged.
                run.Problems.Add(result.Reason!);
            }

            results.Add(result);
        }

        var exitCode = ExitCodePolicy.Worst(results.Select(r => ExitCodePolicy.ExitCodeOf(r, options.FailOn)));
        return new CheckRun(results, isApp, run.Problems, exitCode);
    }

    /// <summary>One run's settings, engine and problem lines, and the reader of ECR images (AWS credentials), handed down the walk.</summary>
    private sealed record Walk(CheckOptions Options, ArgumentCheck Check, List<string> Problems, Guard.Aws.Ecr.IEcrImages Images);

    /// <summary>
    /// A project file or folder: what its tools built, checked as that app, or one result per tool that says what to
    /// run first (nothing judged, exit 2).
    /// </summary>
    private static async Task<List<CheckResult>> CheckProjectAsync(string project, Walk run, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var output in ProjectFolder.Outputs(project))
        {
            if (output.Output is not { } built)
            {
                var reason = $"{output.Source}: {output.Instead}";
                run.Problems.Add(reason);
                results.Add(CheckResult.NotChecked(output.Source, null, null, null, reason));
                continue;
            }

            results.AddRange(AppFolder.IsAppFolder(built)
                ? await CheckAppFolderAsync(built, run, cancellationToken).ConfigureAwait(false)
                : await CheckAppAsync(built, null, run, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>
    /// <c>cdk.out/</c>: every stack template its manifest lists; <c>.serverless/</c>: its update-stack template. A stack
    /// without functions is no problem in an assembly of several; an assembly without any is.
    /// </summary>
    private static async Task<List<CheckResult>> CheckAppFolderAsync(string folder, Walk run, CancellationToken cancellationToken)
    {
        IReadOnlyList<AppTemplate> templates;
        try
        {
            templates = await WithinTimeoutAsync(() => AppFolder.Templates(folder), folder, run.Options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TemplateFormatException e)
        {
            run.Problems.Add(e.Message);
            return [CheckResult.NotChecked(folder, null, null, null, e.Message)];
        }

        var results = new List<CheckResult>();
        foreach (var template in templates)
        {
            results.AddRange(await CheckAppAsync(template.TemplateFile, template.Tool, run, cancellationToken, reportEmpty: false).ConfigureAwait(false));
        }

        if (results.Count == 0)
        {
            var reason = $"{folder}: no AWS::Lambda::Function resources in {string.Join(", ", templates.Select(t => t.TemplateFile))}";
            run.Problems.Add(reason);
            results.Add(CheckResult.NotChecked(folder, null, null, null, reason));
        }

        return results;
    }

    /// <summary>Every function of a template, each its own result; a template that cannot be read is one result that was not checked.</summary>
    private static async Task<List<CheckResult>> CheckAppAsync(string templateFile, ICodeLocator? tool, Walk run, CancellationToken cancellationToken, bool reportEmpty = true)
    {
        var options = run.Options;
        List<FunctionPlan> plans;
        try
        {
            var root = await WithinTimeoutAsync(() => TemplateFile.Read(templateFile), templateFile, options.Timeout, cancellationToken).ConfigureAwait(false);
            // With several templates an override may be meant for another one; with one, an undeclared name is a typo.
            if (tool is null && options.Packages.Count(IsApp) == 1 && AppPlanner.UnknownOverrides(root, options.ParameterOverrides).FirstOrDefault() is { } unknown)
            {
                throw new TemplateFormatException(templateFile, 1, 1, $"--parameter-overrides names {unknown}, which the template's Parameters do not declare");
            }

            plans = [.. new AppPlanner(templateFile, root, options.ParameterOverrides, options.Ignore, tool, options.Unbuilt).Plan()];
        }
        catch (TemplateFormatException e)
        {
            run.Problems.Add(e.Message);
            return [CheckResult.NotChecked(templateFile, null, null, null, e.Message)];
        }

        // A generated template (.aws-sam/build, .serverless, cdk.out) is git-ignored: results also name the source it came from.
        var locator = SourceLocators.For(templateFile, tool);
        var results = (await JudgeAsync(plans, run, cancellationToken).ConfigureAwait(false))
            .Select(result => result.Function is { } function && locator.Locate(function) is { } written ? result with { Function = function with { Written = written } } : result)
            .ToList();

        if (results.Count == 0 && reportEmpty)
        {
            var reason = $"{templateFile}: no AWS::Serverless::Function or AWS::Lambda::Function resources";
            run.Problems.Add(reason);
            results.Add(CheckResult.NotChecked(templateFile, null, null, null, reason));
        }

        return results;
    }

    /// <summary>
    /// Every function a Terraform plan creates or updates, each its own result; a plan that cannot be read is one
    /// result that was not checked, and a plan that changes no function none (nothing to judge, nothing wrong).
    /// </summary>
    private static async Task<List<CheckResult>> CheckTerraformPlanAsync(string planFile, Walk run, CancellationToken cancellationToken)
    {
        var options = run.Options;
        List<FunctionPlan> plans;
        try
        {
            using var plan = await WithinTimeoutAsync(() => TerraformPlan.Read(planFile), planFile, options.Timeout, cancellationToken).ConfigureAwait(false);
            plans = [.. new TerraformPlanner(planFile, plan.RootElement, options.WorkingDirectory ?? "", options.Ignore).Plan()];
        }
        catch (TemplateFormatException e)
        {
            run.Problems.Add(e.Message);
            return [CheckResult.NotChecked(planFile, null, null, null, e.Message)];
        }

        if (plans.Count == 0)
        {
            run.Problems.Add($"{planFile}: the plan creates or updates no {TerraformPlanner.LambdaFunction}: nothing to check");
        }

        return await JudgeAsync(plans, run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An app's functions judged a few at a time (each is a handful of small reads and some inflating; an image function
    /// its registry's manifest, config and layers), and reported in the app's order whatever order they finish in.
    /// </summary>
    private static async Task<List<CheckResult>> JudgeAsync(List<FunctionPlan> plans, Walk run, CancellationToken cancellationToken)
    {
        var judged = new CheckResult[plans.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, plans.Count),
            new ParallelOptions { MaxDegreeOfParallelism = PackagesAtOnce, CancellationToken = cancellationToken },
            async (index, token) => judged[index] = plans[index] switch
            {
                { Decided: { } decided } => decided,
                { Image: { } image } => await ImageCheck.RunAsync(image, run.Options.Timeout, run.Images, token).ConfigureAwait(false),
                var plan => await run.Check.RunAsync(plan.Request!, token).ConfigureAwait(false),
            }).ConfigureAwait(false);
        return [.. judged];
    }

    /// <summary>
    /// Reads a template or manifest on a thread of its own and gives up at --timeout, as for a package: a local read
    /// does not see a token, and one from a stalled network mount would otherwise hold the check forever.
    /// </summary>
    private static async Task<T> WithinTimeoutAsync<T>(Func<T> read, string file, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(read, cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            throw new TemplateFormatException(file, 0, 0, $"not read within {seconds} s (--timeout {seconds})");
        }
    }
}
