using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Storage;

namespace VectorEngine.Hnsw.Persistence;

/// <summary>
/// <c>hnsw.graph</c> in a sealed segment's folder: a versioned header, the level bytes, upper-layer starts, the layer-0
/// block and the upper-layer arena as they lie in memory, then a CRC32C of everything before it. Loading is one
/// sequential read. The graph is derived data: a file that is missing, damaged or built for other parameters is
/// ignored and the graph rebuilt from the vectors, so it can never stop a database from opening.
/// </summary>
internal static class HnswGraphFile
{
    public const string FileName = "hnsw.graph";
    private const uint Version = 1;
    private const int HeaderBytes = 40;

    private static ReadOnlySpan<byte> Magic => "VEHNSW01"u8;

    public static void Write(StorageFolder folder, HnswGraph graph, int count, DistanceMetric metric)
    {
        (uint[] level0, byte[] levels, int[] upperStart, uint[] upper, int upperUsed) = graph.Raw();
        (uint entry, int maxLevel) = graph.Entry;
        folder.WriteDurably(FileName, writer =>
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], graph.M);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], count);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], entry);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], maxLevel);
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], (int)metric);
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], upperUsed);
            writer.Write(header);

            // Streamed section by section: a large graph's file is never built whole in one array.
            writer.Write(levels.AsSpan(0, count));
            writer.Pad(4);
            writer.Write<int>(upperStart.AsSpan(0, count));
            writer.Write<uint>(level0.AsSpan(0, checked(count * graph.Stride0)));
            writer.Write<uint>(upper.AsSpan(0, upperUsed));
        });
    }

    public static HnswGraph? TryRead(StorageFolder folder, int m, int count, DistanceMetric metric)
    {
        byte[]? file = folder.TryRead(FileName);
        if (file is null)
        {
            return null;
        }

        if (file.Length < HeaderBytes + 4 || !file.AsSpan(0, 8).SequenceEqual(Magic))
        {
            return null;
        }

        ReadOnlySpan<byte> header = file.AsSpan(0, HeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version
            || BinaryPrimitives.ReadInt32LittleEndian(header[12..]) != m
            || BinaryPrimitives.ReadInt32LittleEndian(header[16..]) != count
            || BinaryPrimitives.ReadInt32LittleEndian(header[28..]) != (int)metric)
        {
            return null;
        }

        uint entry = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        int maxLevel = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        int upperUsed = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
        int stride0 = 1 + (2 * m);
        long expected = HeaderBytes + Align4(count) + (4L * count) + (4L * count * stride0) + (4L * upperUsed) + 4;
        if (upperUsed < 0 || file.Length != expected)
        {
            return null;
        }

        int crcAt = file.Length - 4;
        if (Crc32C.Compute(file.AsSpan(0, crcAt)) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(crcAt)))
        {
            return null;
        }

        int position = HeaderBytes;
        byte[] levels = file.AsSpan(position, count).ToArray();
        position += Align4(count);
        int[] upperStart = MemoryMarshal.Cast<byte, int>(file.AsSpan(position, 4 * count)).ToArray();
        position += 4 * count;
        uint[] level0 = GC.AllocateUninitializedArray<uint>(Math.Max(count, 1) * stride0, pinned: true);
        MemoryMarshal.Cast<byte, uint>(file.AsSpan(position, 4 * count * stride0)).CopyTo(level0);
        position += 4 * count * stride0;
        uint[] upper = GC.AllocateUninitializedArray<uint>(upperUsed, pinned: true);
        MemoryMarshal.Cast<byte, uint>(file.AsSpan(position, 4 * upperUsed)).CopyTo(upper);
        if (count == 0)
        {
            level0.AsSpan().Clear();
        }

        return IsConsistent(levels, upperStart, level0, upper, stride0, m, count, entry, maxLevel)
            ? HnswGraph.FromRaw(m, level0, levels, upperStart, upper, entry, maxLevel)
            : null;
    }

    /// <summary>Checks the invariants a search relies on, so that even a file with a valid CRC cannot send it out of bounds.</summary>
    private static bool IsConsistent(byte[] levels, int[] upperStart, uint[] level0, uint[] upper, int stride0, int m, int count,
        uint entry, int maxLevel)
    {
        if (count == 0)
        {
            return entry == HnswGraph.NoNode;
        }

        if (entry >= (uint)count || levels[entry] != maxLevel)
        {
            return false;
        }

        int upperStride = 1 + m;
        for (int node = 0; node < count; node++)
        {
            if (!ListOk(level0.AsSpan(node * stride0, stride0), 2 * m, count))
            {
                return false;
            }

            int level = levels[node];
            if (level > maxLevel)
            {
                return false;
            }

            if (level > 0)
            {
                long start = upperStart[node];
                if (start < 0 || start + ((long)level * upperStride) > upper.Length)
                {
                    return false;
                }

                for (int layer = 0; layer < level; layer++)
                {
                    if (!ListOk(upper.AsSpan((int)start + (layer * upperStride), upperStride), m, count))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static bool ListOk(ReadOnlySpan<uint> list, int maxLinks, int count)
    {
        if (list[0] > maxLinks)
        {
            return false;
        }

        foreach (uint link in list.Slice(1, (int)list[0]))
        {
            if (link >= (uint)count)
            {
                return false;
            }
        }

        return true;
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
