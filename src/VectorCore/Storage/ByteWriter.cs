using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VectorEngine.Storage;

/// <summary>A growable little-endian byte buffer rented from the shared pool; dispose to return it.</summary>
internal sealed class ByteWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The written bytes, writable: for filling in a frame reserved at the start.</summary>
    public Span<byte> WrittenMutable => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    public Span<byte> Reserve(int count)
    {
        Ensure(count);
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteFloats(ReadOnlySpan<float> values) => WriteBytes(MemoryMarshal.AsBytes(values));

    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(max + 4);
        int n = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), n);
        _length += 4 + n;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int count)
    {
        long needed = (long)_length + count;
        if (needed > _buffer.Length)
        {
            // Doubling in long arithmetic: an int doubling past 1 GiB overflows to a negative size and never grows.
            long grown = Math.Max((long)_buffer.Length * 2, needed);
            if (needed > Array.MaxLength)
            {
                throw new InvalidOperationException($"A buffer of {needed} bytes exceeds the largest array ({Array.MaxLength} bytes); write it in parts.");
            }

            byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(grown, Array.MaxLength));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
