namespace Guard.Cli;

/// <summary>The exit codes of docs/design.md: CI pipelines branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Broken = 1;
    public const int UsageOrUnavailable = 2;
    public const int Placeholder = 3;
}
