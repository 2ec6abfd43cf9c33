using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using VectorEngine.Diagnostics;

namespace VectorEngine.Storage;

/// <summary>Reads what <see cref="ByteWriter"/> wrote; any overrun is reported as corruption, never as an index error.</summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ByteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
        {
            ThrowHelper.ThrowCorrupt($"Record truncated: wanted {count} bytes, {Remaining} left.");
        }

        ReadOnlySpan<byte> span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    public void ReadFloats(Span<float> destination) => ReadBytes(destination.Length * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(destination));

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes(ReadInt32()));
}
