using System.Buffers.Binary;
using VectorEngine.PayloadIndexes;
using VectorEngine.Diagnostics;
using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine.Segments;

/// <summary>
/// A sealed segment's folder: <c>vectors.bin</c> (64-byte header, then rows; memory-mapped), <c>points.bin</c>
/// (header, ids and payloads, CRC32C trailer), <c>deleted.bin</c> (tombstone bitmap, header and CRC32C) and
/// <c>vectors.crc</c> (a CRC32C per block of <c>vectors.bin</c>, see <see cref="VectorChecksums"/>), plus
/// whatever files its vector index saves.
/// </summary>
internal static class SegmentFiles
{
    public const string VectorsFile = "vectors.bin";
    public const string PointsFile = "points.bin";
    public const string DeletedFile = "deleted.bin";

    /// <summary>The ids alone: written when a segment goes cold, so it reopens without its archive.</summary>
    public const string IdsFile = "ids.bin";
    private const uint Version = 1;
    private static ReadOnlySpan<byte> PointsMagic => "VEPOINTS"u8;
    private static ReadOnlySpan<byte> DeletedMagic => "VEDELETE"u8;
    private static ReadOnlySpan<byte> IdsMagic => "VEIDS\0\0\0"u8;

    /// <summary>
    /// Writes a new segment from <paramref name="rows"/>, copied in order: vectors, ids and payloads, tombstones, and the
    /// text indexes of those rows when there are any (<see cref="TextIndexFile"/>).
    /// </summary>
    public static unsafe void Write(IFileSystem fs, string directory, int dimension, DistanceMetric metric, IReadOnlyList<(Segment Segment, uint Offset)> rows, Bitset? deleted,
        IReadOnlyDictionary<string, TextFieldIndex>? text = null)
    {
        fs.CreateDirectory(directory);
        int stride = GrowableVectorStore.StrideFor(dimension);
        string vectorsPath = Path.Combine(directory, VectorsFile);
        var checksums = new VectorChecksums.Builder();
        long vectorBytes = MappedVectorStore.HeaderSize + ((long)rows.Count * stride * sizeof(float));
        using (IStorageFile file = fs.OpenFile(vectorsPath, StorageFileMode.Create))
        {
            byte[] header = new byte[MappedVectorStore.HeaderSize];
            MappedVectorStore.WriteHeader(header, rows.Count, dimension, stride, metric);
            file.Write(header, 0);
            checksums.Append(header);
            long position = MappedVectorStore.HeaderSize;
            const int RowsPerWrite = 256;
            float[] buffer = new float[RowsPerWrite * stride];
            for (int start = 0; start < rows.Count; start += RowsPerWrite)
            {
                int n = Math.Min(RowsPerWrite, rows.Count - start);
                for (int i = 0; i < n; i++)
                {
                    (Segment segment, uint offset) = rows[start + i];
                    IVectorStore store = segment.Store;
                    new ReadOnlySpan<float>(store.Base + ((nint)offset * store.Stride), stride).CopyTo(buffer.AsSpan(i * stride, stride));
                }

                ReadOnlySpan<byte> bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan(0, n * stride));
                file.Write(bytes, position);
                checksums.Append(bytes);
                position += bytes.Length;
            }

            file.Sync();
        }

        VectorChecksums.Write(fs, directory, vectorBytes, checksums.Finish());
        WritePoints(fs, Path.Combine(directory, PointsFile), rows);
        WriteTombstones(fs, directory, deleted ?? new Bitset(), rows.Count);
        if (text is { Count: > 0 })
        {
            TextIndexFile.Write(fs, directory, text, rows.Count);
        }

        fs.SyncDirectory(directory);
    }

    /// <summary>
    /// Streams ids and payloads to <c>points.bin</c> in chunks with a running CRC32C, so a segment's payloads may exceed
    /// what one array holds; written to a temporary file and renamed, like every replaced file.
    /// </summary>
    private static void WritePoints(IFileSystem fs, string path, IReadOnlyList<(Segment Segment, uint Offset)> rows)
    {
        const int ChunkBytes = 1 << 20;
        string temp = path + ".tmp";
        using (IStorageFile file = fs.OpenFile(temp, StorageFileMode.Create))
        using (var w = new ByteWriter(ChunkBytes * 2))
        {
            long position = 0;
            uint crc = ~0u;
            void FlushChunk()
            {
                crc = Crc32C.Append(crc, w.WrittenSpan);
                file.Write(w.WrittenSpan, position);
                position += w.Length;
                w.Reset();
            }

            w.WriteBytes(PointsMagic);
            w.WriteUInt32(Version);
            w.WriteUInt32((uint)rows.Count);
            foreach ((Segment segment, uint offset) in rows)
            {
                PointCodec.WriteId(w, segment.IdAt(offset));
                PointCodec.WritePayload(w, segment.PayloadAt(offset));
                if (w.Length >= ChunkBytes)
                {
                    FlushChunk();
                }
            }

            FlushChunk();
            w.WriteUInt32(~crc);
            file.Write(w.WrittenSpan, position);
            file.Sync();
        }

        fs.MoveFile(temp, path, overwrite: true);
    }

    public static void WriteTombstones(IFileSystem fs, string directory, Bitset deleted, int count)
    {
        using var w = new ByteWriter();
        w.WriteBytes(DeletedMagic);
        w.WriteUInt32(Version);
        w.WriteUInt32((uint)count);
        int words = (count + 63) >> 6;
        for (int i = 0; i < words; i++)
        {
            w.WriteUInt64(i < deleted.Words.Length ? deleted.Words[i] : 0);
        }

        w.WriteUInt32(Crc32C.Compute(w.WrittenSpan));
        DurableFile.WriteAllBytes(fs, Path.Combine(directory, DeletedFile), w.WrittenSpan);
    }

    /// <summary>Writes <c>ids.bin</c> (header, ids, CRC32C), durably.</summary>
    public static void WriteIds(IFileSystem fs, string directory, Segment segment)
    {
        using var w = new ByteWriter(16 + (segment.Count * 9));
        w.WriteBytes(IdsMagic);
        w.WriteUInt32(Version);
        w.WriteUInt32((uint)segment.Count);
        for (uint offset = 0; offset < segment.Count; offset++)
        {
            PointCodec.WriteId(w, segment.IdAt(offset));
        }

        w.WriteUInt32(Crc32C.Compute(w.WrittenSpan));
        DurableFile.WriteAllBytes(fs, Path.Combine(directory, IdsFile), w.WrittenSpan);
    }

    /// <summary>Reads <c>ids.bin</c>, checked, and the tombstones beside it.</summary>
    public static (List<PointId> Ids, Bitset Deleted) ReadIds(IFileSystem fs, string directory)
    {
        string path = Path.Combine(directory, IdsFile);
        byte[] data = ReadChecked(fs, path, IdsMagic);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
        var reader = new ByteReader(data.AsSpan(16, data.Length - 20));
        var ids = new List<PointId>((int)Math.Min(count, data.Length));
        for (uint i = 0; i < count; i++)
        {
            ids.Add(PointCodec.ReadId(ref reader));
        }

        return (ids, ReadTombstones(fs, Path.Combine(directory, DeletedFile), (int)count));
    }

    /// <summary>Ids and payloads from <c>points.bin</c> (a segment coming back from cold, or turning hot again).</summary>
    public static (List<PointId> Ids, List<Payload> Payloads) ReadPointsFile(IFileSystem fs, string directory, int expectedCount) =>
        ReadPoints(fs, Path.Combine(directory, PointsFile), expectedCount);

    public static Segment Load(IFileSystem fs, string directory, int id, int dimension, DistanceMetric metric, PayloadIndexSchema schema)
    {
        MappedVectorStore store = MappedVectorStore.Open(fs, Path.Combine(directory, VectorsFile), dimension, metric);
        try
        {
            (List<PointId> ids, List<Payload> payloads) = ReadPoints(fs, Path.Combine(directory, PointsFile), store.Count);
            Bitset deleted = ReadTombstones(fs, Path.Combine(directory, DeletedFile), store.Count);
            return new Segment(id, store, isSealed: true, ids, payloads, deleted, schema, TextIndexFile.TryRead(fs, directory, schema, store.Count));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static (List<PointId>, List<Payload>) ReadPoints(IFileSystem fs, string path, int expectedCount)
    {
        byte[] data = ReadChecked(fs, path, PointsMagic);
        var reader = new ByteReader(data.AsSpan(12, data.Length - 16));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
        reader.ReadUInt32();
        if (count != expectedCount)
        {
            ThrowHelper.ThrowCorrupt($"'{JsonFile.Describe(path)}' holds {count} points but the vector file {expectedCount}.");
        }

        var ids = new List<PointId>((int)count);
        var payloads = new List<Payload>((int)count);
        for (int i = 0; i < count; i++)
        {
            ids.Add(PointCodec.ReadId(ref reader));
            payloads.Add(PointCodec.ReadPayload(ref reader));
        }

        return (ids, payloads);
    }

    private static Bitset ReadTombstones(IFileSystem fs, string path, int expectedCount)
    {
        byte[] data = ReadChecked(fs, path, DeletedMagic);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
        int words = (expectedCount + 63) >> 6;
        if (count != expectedCount || data.Length != 16 + (words * 8) + 4)
        {
            ThrowHelper.ThrowCorrupt($"'{JsonFile.Describe(path)}' covers {count} points; expected {expectedCount}.");
        }

        var bits = new ulong[words];
        for (int i = 0; i < words; i++)
        {
            bits[i] = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(16 + (i * 8)));
        }

        return new Bitset(bits);
    }

    /// <summary>Reads a whole file and checks magic, version and the CRC32C trailer.</summary>
    private static byte[] ReadChecked(IFileSystem fs, string path, ReadOnlySpan<byte> magic)
    {
        if (!fs.FileExists(path))
        {
            ThrowHelper.ThrowCorrupt($"Segment file '{JsonFile.Describe(path)}' is missing.");
        }

        byte[] data = DurableFile.ReadAllBytes(fs, path);
        if (data.Length < 20 || !data.AsSpan(0, 8).SequenceEqual(magic) || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8)) != Version)
        {
            ThrowHelper.ThrowCorrupt($"Segment file '{JsonFile.Describe(path)}' has a bad header.");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4));
        if (Crc32C.Compute(data.AsSpan(0, data.Length - 4)) != stored)
        {
            ThrowHelper.ThrowCorrupt($"Segment file '{JsonFile.Describe(path)}' fails its checksum.");
        }

        return data;
    }
}
