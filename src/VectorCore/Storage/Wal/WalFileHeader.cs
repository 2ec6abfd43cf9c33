using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VectorEngine.Storage.Wal;

/// <summary>The 32-byte header at the start of every WAL file.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly struct WalFileHeader
{
    public const int Size = 32;
    public const uint CurrentVersion = 1;
    public static ReadOnlySpan<byte> Magic => "VEWALLOG"u8;

    public WalFileHeader(long generation)
    {
        Generation = generation;
        Version = CurrentVersion;
    }

    public uint Version { get; init; }

    public long Generation { get; init; }

    public void Write(Span<byte> destination)
    {
        Debug.Assert(destination.Length >= Size);
        destination[..Size].Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Generation);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out WalFileHeader header)
    {
        header = default;
        if (source.Length < Size || !source[..8].SequenceEqual(Magic))
        {
            return false;
        }

        header = new WalFileHeader(BinaryPrimitives.ReadInt64LittleEndian(source[16..]))
        {
            Version = BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
        };
        return header.Version == CurrentVersion;
    }
}
