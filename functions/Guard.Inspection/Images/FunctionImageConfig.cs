namespace Guard.Inspection.Images;

/// <summary>
/// The function's <c>ImageConfig</c> (Lambda API <c>ImageConfig</c>; CloudFormation <c>ImageConfig</c>): each value
/// set replaces the image's own ENTRYPOINT, CMD or WORKDIR; null leaves the image's.
/// </summary>
public sealed record FunctionImageConfig(
    IReadOnlyList<string>? EntryPoint = null,
    IReadOnlyList<string>? Command = null,
    string? WorkingDirectory = null)
{
    public static FunctionImageConfig None { get; } = new();
}

/// <summary>How Lambda starts the container: the argv it execs, from where, with which PATH.</summary>
/// <param name="EntryPoint">ENTRYPOINT after the function's override.</param>
/// <param name="Command">CMD after the function's override: the arguments after the entrypoint.</param>
/// <param name="WorkingDirectory">The directory the process starts in; null means <c>/</c>.</param>
/// <param name="EntryPointOverridden">Whether the function's ImageConfig set the entrypoint.</param>
/// <param name="CommandOverridden">Whether the function's ImageConfig set the command.</param>
/// <param name="Environment">The image's <c>Env</c>, as NAME=value lines.</param>
public sealed record ContainerStart(
    IReadOnlyList<string> EntryPoint,
    IReadOnlyList<string> Command,
    string? WorkingDirectory,
    bool EntryPointOverridden,
    bool CommandOverridden,
    bool WorkingDirectoryOverridden,
    IReadOnlyList<string> Environment)
{
    /// <summary>The PATH Docker's default gives a container whose image sets none.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>ENTRYPOINT then CMD: what is exec'd, and with what.</summary>
    public IReadOnlyList<string> Argv => [.. EntryPoint, .. Command];

    public IReadOnlyList<string> SearchPath => (Variable("PATH") ?? DefaultPath).Split(':', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The value of an <c>Env</c> variable the image sets; null when it sets none.</summary>
    public string? Variable(string name) =>
        Environment.LastOrDefault(line => line.StartsWith(name + "=", StringComparison.Ordinal)) is { } line ? line[(name.Length + 1)..] : null;

    /// <summary>The function's ImageConfig over the image's config, value by value, as Lambda applies it.</summary>
    public static ContainerStart Merge(ContainerConfig? image, FunctionImageConfig? function)
    {
        function ??= FunctionImageConfig.None;
        var entryPointOverridden = function.EntryPoint is { Count: > 0 };
        var commandOverridden = function.Command is { Count: > 0 };
        var workingDirectoryOverridden = function.WorkingDirectory is { Length: > 0 };
        return new ContainerStart(
            entryPointOverridden ? function.EntryPoint! : image?.Entrypoint ?? [],
            commandOverridden ? function.Command! : image?.Cmd ?? [],
            workingDirectoryOverridden ? function.WorkingDirectory : image?.WorkingDir is { Length: > 0 } dir ? dir : null,
            entryPointOverridden,
            commandOverridden,
            workingDirectoryOverridden,
            image?.Env ?? []);
    }
}
