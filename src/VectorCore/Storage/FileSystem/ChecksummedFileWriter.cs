using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VectorEngine.Storage;

/// <summary>
/// Writes a file sequentially in 1 MiB chunks with a running CRC32C, so a file larger than one array (a graph or the
/// codes of a large segment) never has to be built whole in memory. Obtained from
/// <see cref="StorageFolder.WriteDurably(string, Action{ChecksummedFileWriter})"/>, which appends the CRC32C of
/// everything written as the last 4 bytes.
/// </summary>
public sealed class ChecksummedFileWriter
{
    private const int ChunkBytes = 1 << 20;
    private readonly IStorageFile _file;
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private int _buffered;
    private long _flushed;
    private uint _crc = ~0u;

    internal ChecksummedFileWriter(IStorageFile file)
    {
        _file = file;
    }

    /// <summary>Bytes written so far.</summary>
    public long Length => _flushed + _buffered;

    /// <summary>Appends bytes.</summary>
    /// <param name="data">The bytes.</param>
    public void Write(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int n = Math.Min(data.Length, ChunkBytes - _buffered);
            data[..n].CopyTo(_chunk.AsSpan(_buffered));
            _buffered += n;
            data = data[n..];
            if (_buffered == ChunkBytes)
            {
                FlushChunk();
            }
        }
    }

    /// <summary>Appends the bytes of a span of unmanaged values, a slice at a time (no byte span past 2 GiB is formed).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="values">The values.</param>
    public void Write<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        const int SliceBytes = 64 << 20;
        int perSlice = Math.Max(1, SliceBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        while (values.Length > 0)
        {
            int n = Math.Min(values.Length, perSlice);
            Write(MemoryMarshal.AsBytes(values[..n]));
            values = values[n..];
        }
    }

    /// <summary>Appends the zero bytes that pad to a multiple of <paramref name="alignment"/>.</summary>
    /// <param name="alignment">The alignment in bytes.</param>
    public void Pad(int alignment)
    {
        int pad = (int)((alignment - (Length % alignment)) % alignment);
        Write(new byte[pad]);
    }

    /// <summary>Writes what is buffered and the CRC32C trailer.</summary>
    internal void Finish()
    {
        FlushChunk();
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, ~_crc);
        _file.Write(trailer, _flushed);
        _flushed += 4;
    }

    private void FlushChunk()
    {
        if (_buffered == 0)
        {
            return;
        }

        ReadOnlySpan<byte> chunk = _chunk.AsSpan(0, _buffered);
        _crc = Crc32C.Append(_crc, chunk);
        _file.Write(chunk, _flushed);
        _flushed += _buffered;
        _buffered = 0;
    }
}
