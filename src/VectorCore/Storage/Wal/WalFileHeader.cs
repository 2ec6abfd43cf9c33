using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VectorEngine.Storage.Wal;

/// <summary>The 32-byte header at the start of every WAL file.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly struct WalFileHeader
{
    public const int Size = 32;
    public const uint CurrentVersion = 2;

    /// <summary>Version 1 frames had no durable mark: <c>[u32 length][u32 crc32c(payload)][payload]</c>. Still replayed.</summary>
    public const uint Version1 = 1;
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

    /// <summary>Bytes of frame before each payload in a file of this version.</summary>
    public int FrameSize => Version == Version1 ? 8 : WalWriter.FrameSize;

    /// <summary>Parses the header; false when the magic is missing (the version is the caller's to check).</summary>
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
        return true;
    }
}
