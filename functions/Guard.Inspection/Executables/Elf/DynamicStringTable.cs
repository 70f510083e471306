using System.Text;

namespace Guard.Inspection.Executables.Elf;

/// <summary>
/// The dynamic string table (DT_STRTAB, DT_STRSZ; gABI "String Table"): read whole when small, otherwise one capped read
/// per string. Names are NUL-terminated; one cut off by a cap or the end of the file is returned as far as it goes.
/// </summary>
internal sealed class DynamicStringTable(BoundedContentReader reader, ulong offset, ulong size)
{
    /// <summary>A .dynstr up to this size is read in one request; a larger one string by string.</summary>
    private const int MaxStringTableReadWhole = 64 * 1024;

    /// <summary>Library and version names are short (<c>libc.so.6</c>, <c>GLIBC_2.34</c>).</summary>
    private const int MaxStringSize = 256;

    private ReadOnlyMemory<byte>? _whole;

    public async ValueTask<string?> GetAsync(ulong index, CancellationToken cancellationToken)
    {
        if (index >= size || offset + index < offset)
        {
            return null;
        }

        ReadOnlyMemory<byte> bytes;
        if (size <= MaxStringTableReadWhole)
        {
            _whole ??= await reader.ReadAsync(offset, (int)size, cancellationToken).ConfigureAwait(false);
            var whole = _whole.Value;
            if (index >= (ulong)whole.Length)
            {
                return null;
            }

            bytes = whole[(int)index..];
            bytes = bytes[..Math.Min(bytes.Length, MaxStringSize)];
        }
        else
        {
            bytes = await reader.ReadAsync(offset + index, (int)Math.Min(MaxStringSize, size - index), cancellationToken).ConfigureAwait(false);
            if (bytes.IsEmpty)
            {
                return null;
            }
        }

        var span = bytes.Span;
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}
