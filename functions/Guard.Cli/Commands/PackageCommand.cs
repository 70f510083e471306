using System.CommandLine;
using System.Globalization;
using Guard.Cli.Apps;
using Guard.Cli.Packaging;
using Guard.Inspection.Rules;

namespace Guard.Cli.Commands;

/// <param name="Binaries">Each becomes its own NAME.zip.</param>
/// <param name="Includes">Files (or folders) added to every zip, under the path as given.</param>
internal sealed record PackageSettings(IReadOnlyList<string> Binaries, string OutputFolder, string Runtime, Architecture Architecture, IReadOnlyList<string> Includes);

/// <summary>
/// <c>guard package BINARY...</c>: one reproducible zip per binary, the binary as <c>bootstrap</c>, each judged by
/// the engine on the runtime and architecture given before it is called done. The replacement for a build line that
/// zipped several go1.x binaries into one package.
/// </summary>
internal static class PackageCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var binaries = new Argument<string[]>("BINARY") { Description = "The built executables; each becomes NAME.zip with it as bootstrap.", Arity = ArgumentArity.OneOrMore };
        var outputFolder = new Option<string>("--out") { Description = "The folder the zips are written to (made when missing). Default: the current folder.", DefaultValueFactory = _ => "." };
        var runtime = SharedOptions.Runtime("The runtime the zips are checked for.", ["provided.al2023", "provided.al2"]);
        var architecture = SharedOptions.Architecture("The functions' architecture, x86_64 or arm64: a binary for the other CPU fails the check.");
        var includes = new Option<string[]>("--include") { Description = "A file or folder to add to every zip under its relative path (configuration, certificates); repeat for several." };
        var command = new Command(
            "package",
            "Zip each binary as an executable bootstrap, reproducibly (fixed times, ordered entries), and check each zip with the engine. " +
            "Exit 0 when every zip was written and passes, 1 when one would not start (none of its zip is left), 2 on a usage or read error.")
        {
            binaries, outputFolder, runtime, architecture, includes,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new PackageSettings(
                parse.GetValue(binaries) ?? [],
                parse.GetValue(outputFolder)!,
                parse.GetValue(runtime)!,
                SharedOptions.ArchitectureOf(parse.GetValue(architecture)) ?? Architecture.X8664,
                parse.GetValue(includes) ?? []);
            return await RunAsync(settings, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> RunAsync(PackageSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var missing = settings.Binaries.Concat(settings.Includes).FirstOrDefault(p => !File.Exists(p) && !(settings.Includes.Contains(p) && Directory.Exists(p)));
        if (missing is not null)
        {
            await error.WriteLineAsync($"guard: {missing}: no such file; nothing was written").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var names = settings.Binaries.GroupBy(b => Path.GetFileName(b), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (names is not null)
        {
            await error.WriteLineAsync($"guard: {string.Join(" and ", names)} would both be written as {names.Key}.zip; nothing was written").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        IReadOnlyList<PackagedBinary> packaged;
        try
        {
            packaged = await FunctionPackager.PackageAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"guard: {e.Message}; nothing was written").ConfigureAwait(false);
            return ExitCodes.UsageOrUnavailable;
        }

        var exit = ExitCodes.Ok;
        var inv = CultureInfo.InvariantCulture;
        var on = $"{settings.Runtime} {settings.Architecture.ToApiName()}";
        foreach (var one in packaged)
        {
            if (one.Problem is not null)
            {
                exit = Math.Max(exit, ExitCodes.UsageOrUnavailable);
                await error.WriteLineAsync($"guard: {one.Binary}: {one.Problem}").ConfigureAwait(false);
                continue;
            }

            var result = one.Result!;
            if (one.Written)
            {
                var warnings = result.Findings.Where(f => !f.IsSuppressed && f.Finding.Severity == Severity.Warning).Select(f => f.Finding.Code).ToList();
                var warned = warnings.Count > 0 ? $" (warnings: {string.Join(", ", warnings)})" : "";
                await output.WriteLineAsync(string.Create(inv,
                    $"PACKAGED  {one.Target}: {one.Binary} as bootstrap (0755), {one.Size} bytes, sha256 {one.Sha256}; starts on {on}{warned}")).ConfigureAwait(false);
                continue;
            }

            exit = Math.Max(exit, result.Outcome == Outcome.NotChecked ? ExitCodes.UsageOrUnavailable : ExitCodes.Broken);
            var refusal = new System.Text.StringBuilder();
            refusal.AppendLine(inv, $"NOT PACKAGED  {one.Binary}: {(result.Outcome == Outcome.NotChecked ? $"could not be checked: {result.Reason}" : $"would not start on {on}")}");
            PackageVerdict.AppendFindings(refusal, result, "  ");
            await output.WriteAsync(refusal.ToString()).ConfigureAwait(false);
        }

        return exit;
    }
}
