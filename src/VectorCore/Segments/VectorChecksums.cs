using System.Buffers.Binary;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine.Segments;

/// <summary>
/// <c>vectors.crc</c>: a CRC32C of every 1 MiB block of <c>vectors.bin</c>, which is memory-mapped and so carries no
/// checksum of its own. Written with the segment; checked in the background after an open and in full before a
/// restored snapshot is accepted, so bit rot is found rather than served.
/// </summary>
internal static class VectorChecksums
{
    public const string FileName = "vectors.crc";
    public const int BlockBytes = 1 << 20;
    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "VEVECCRC"u8;

    /// <summary>Accumulates block checksums over bytes written in order.</summary>
    public sealed class Builder
    {
        private readonly List<uint> _blocks = [];
        private uint _crc = ~0u;
        private int _inBlock;

        public void Append(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, BlockBytes - _inBlock);
                _crc = Crc32C.Append(_crc, data[..n]);
                _inBlock += n;
                data = data[n..];
                if (_inBlock == BlockBytes)
                {
                    _blocks.Add(~_crc);
                    _crc = ~0u;
                    _inBlock = 0;
                }
            }
        }

        public uint[] Finish()
        {
            if (_inBlock > 0)
            {
                _blocks.Add(~_crc);
                _crc = ~0u;
                _inBlock = 0;
            }

            return [.. _blocks];
        }
    }

    public static void Write(IFileSystem fs, string directory, long vectorBytes, uint[] blocks)
    {
        using var w = new ByteWriter(32 + (blocks.Length * 4));
        w.WriteBytes(Magic);
        w.WriteUInt32(Version);
        w.WriteUInt32(BlockBytes);
        w.WriteInt64(vectorBytes);
        w.WriteUInt32((uint)blocks.Length);
        foreach (uint crc in blocks)
        {
            w.WriteUInt32(crc);
        }

        w.WriteUInt32(Crc32C.Compute(w.WrittenSpan));
        DurableFile.WriteAllBytes(fs, Path.Combine(directory, FileName), w.WrittenSpan);
    }

    /// <summary>
    /// Checks a mapped <c>vectors.bin</c> against its checksums; returns the problem, or null when every block matches.
    /// A segment written before checksums existed has no file, and nothing to check.
    /// </summary>
    public static unsafe string? Verify(IFileSystem fs, string directory, byte* file, long length, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(directory, FileName);
        if (!fs.FileExists(path))
        {
            return null;
        }

        byte[] data = DurableFile.ReadAllBytes(fs, path);
        if (data.Length < 32 || !data.AsSpan(0, 8).SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8)) != Version ||
            Crc32C.Compute(data.AsSpan(0, data.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4)))
        {
            return $"'{JsonFile.Describe(path)}' is damaged";
        }

        int blockBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
        long covered = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(16));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(24));
        if (blockBytes != BlockBytes || covered != length || data.Length != 28 + (count * 4L) + 4 || count != (length + blockBytes - 1) / blockBytes)
        {
            return $"'{JsonFile.Describe(path)}' does not describe a {length}-byte vector file";
        }

        for (long block = 0; block < count; block++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long start = block * blockBytes;
            int size = (int)Math.Min(blockBytes, length - start);
            uint expected = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(28 + (int)(block * 4)));
            if (Crc32C.Compute(new ReadOnlySpan<byte>(file + start, size)) != expected)
            {
                return $"'{JsonFile.Describe(Path.Combine(directory, SegmentFiles.VectorsFile))}' fails its checksum in bytes {start}-{start + size - 1} (bit rot or tampering)";
            }
        }

        return null;
    }

    /// <summary>Throws when a mapped vector file fails its checksums (for a restored snapshot, before it is accepted).</summary>
    public static unsafe void VerifyOrThrow(IFileSystem fs, string directory, byte* file, long length)
    {
        if (Verify(fs, directory, file, length) is { } problem)
        {
            ThrowHelper.ThrowCorrupt(problem);
        }
    }
}
