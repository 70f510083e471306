using System.Globalization;
using Guard.Aws.Scanning;

namespace Guard.Cli.Scanning;

/// <summary>
/// A one-line progress indicator on stderr, redrawn in place with '\r' at most ten times a second. Only for a
/// terminal: a redirected stderr would collect every redraw.
/// </summary>
internal sealed class ProgressLine(TextWriter error, TimeProvider time) : IProgress<ScanProgress>
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private long _drawnAt;
    private int _width;

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_drawnAt != 0 && time.GetElapsedTime(_drawnAt, now) < Interval && value.Done < value.Listed)
            {
                return;
            }

            _drawnAt = now;
            var line = string.Create(CultureInfo.InvariantCulture, $"scanning {value.Region}: {value.Done}/{value.Listed} functions checked, {value.Broken} broken");
            error.Write("\r" + line.PadRight(_width));
            _width = line.Length;
            error.Flush();
        }
    }

    /// <summary>Erases the line so the table starts clean.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (_width > 0)
            {
                error.Write("\r" + new string(' ', _width) + "\r");
                error.Flush();
                _width = 0;
            }
        }
    }
}
