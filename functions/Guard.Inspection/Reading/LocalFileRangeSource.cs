using Microsoft.Win32.SafeHandles;

namespace Guard.Inspection.Reading;

/// <summary>A package on the local disk, read with positional reads (no shared file position).</summary>
public sealed class LocalFileRangeSource : IRangeSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;

    private LocalFileRangeSource(string path, SafeFileHandle handle)
    {
        DisplayName = path;
        _handle = handle;
        _length = RandomAccess.GetLength(handle);
    }

    public string DisplayName { get; }

    public static LocalFileRangeSource Open(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new PackageUnavailableException($"{path} is a directory; zip its contents first (cd {path} && zip -r ../function.zip .)");
            }

            // Before opening: opening a FIFO blocks until something writes to it, and a device never ends.
            if (LocalFileKind.NotRegular(path) is { } kind)
            {
                throw new PackageUnavailableException($"{path} is {kind}, not a zip file: Guard reads packages only from regular files");
            }

            return new LocalFileRangeSource(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess));
        }
        catch (FileNotFoundException)
        {
            throw new PackageUnavailableException($"{path}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new PackageUnavailableException($"{path}: no such file");
        }
        catch (UnauthorizedAccessException)
        {
            throw new PackageUnavailableException($"{path}: permission denied");
        }
        catch (IOException e)
        {
            throw new PackageUnavailableException($"{path}: {e.Message}", e);
        }
    }

    public ValueTask<TailRead> ReadTailAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(destination.Length, _length);
        var read = ReadFully(_length - count, destination[..count]);
        return ValueTask.FromResult(new TailRead(_length, read));
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return ValueTask.FromResult(offset >= _length ? 0 : ReadFully(offset, destination));
    }

    private int ReadFully(long offset, Memory<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(_handle, destination.Span[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
