using System.Globalization;

namespace Guard.Function.Tests.Support;

/// <summary>What the kernel says of transparent huge pages: its setting, and a running process's huge-page mappings.</summary>
internal static class TransparentHugePages
{
    private const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>Whether the kernel gives huge pages to a mapping advised for them (its setting is "always" or "madvise").</summary>
    public static bool Enabled => File.Exists(Setting) && !File.ReadAllText(Setting).Contains("[never]", StringComparison.Ordinal);

    /// <summary>
    /// Over a process's mappings advised for huge pages (<c>hg</c> in <c>/proc/PID/smaps</c>' VmFlags): how many there
    /// are and the KiB of huge pages they hold.
    /// </summary>
    public static (int Mappings, long HugeKiB) Advised(int processId)
    {
        int mappings = 0;
        long hugeKiB = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{processId}/smaps"))
        {
            if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                current = long.Parse(line["AnonHugePages:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("VmFlags:", StringComparison.Ordinal) && line.Split(' ').Contains("hg"))
            {
                mappings++;
                hugeKiB += current;
            }
        }

        return (mappings, hugeKiB);
    }
}
