using System.Buffers.Binary;
using VectorEngine.Segments;
using VectorEngine.Storage;

namespace VectorEngine.PayloadIndexes;

/// <summary>
/// A sealed segment's text indexes, saved beside it in <c>text.idx</c> so an open does not analyze every text again:
/// per field its row lengths and, per term, the postings as delta-coded offsets and frequencies; CRC32C trailer.
/// Built for a new segment by remapping its source segments' postings (a seal or a merge never re-analyzes text).
/// Derived data: a missing, damaged or mismatched file costs a rebuild from the payloads, never the segment.
/// </summary>
internal static class TextIndexFile
{
    public const string FileName = "text.idx";
    private const uint Version = 1;
    private static ReadOnlySpan<byte> Magic => "VETEXTIX"u8;

    /// <summary>
    /// The text indexes of a segment made of <paramref name="rows"/> (new offset = position in the list), from the
    /// source segments' own indexes. Null when the schema has no text field.
    /// </summary>
    public static Dictionary<string, TextFieldIndex>? Remap(IReadOnlyList<(Segment Segment, uint Offset)> rows, PayloadIndexSchema schema)
    {
        string[] fields = schema.Types.Where(t => t.Value == PayloadIndexType.Text).Select(t => t.Key).ToArray();
        if (fields.Length == 0)
        {
            return null;
        }

        // Where each source row lands.
        var moves = new Dictionary<Segment, int[]>();
        for (int i = 0; i < rows.Count; i++)
        {
            (Segment segment, uint offset) = rows[i];
            if (!moves.TryGetValue(segment, out int[]? map))
            {
                map = new int[segment.Count];
                Array.Fill(map, -1);
                moves[segment] = map;
            }

            map[offset] = i;
        }

        var result = new Dictionary<string, TextFieldIndex>(StringComparer.Ordinal);
        foreach (string field in fields)
        {
            var lengths = new int[rows.Count];
            var postings = new Dictionary<string, List<(uint Offset, int Frequency)>>(StringComparer.Ordinal);
            foreach ((Segment segment, int[] map) in moves)
            {
                if (segment.PayloadIndexes.GetValueOrDefault(field) is not TextFieldIndex source)
                {
                    return null;
                }

                for (uint offset = 0; offset < map.Length; offset++)
                {
                    if (map[offset] >= 0)
                    {
                        lengths[map[offset]] = source.LengthOf(offset);
                    }
                }

                foreach ((string term, TermPostings list) in source.AllPostings)
                {
                    ReadOnlySpan<uint> offsets = list.Offsets;
                    ReadOnlySpan<int> frequencies = list.Frequencies;
                    List<(uint, int)>? target = null;
                    for (int p = 0; p < offsets.Length; p++)
                    {
                        int moved = map[offsets[p]];
                        if (moved >= 0)
                        {
                            target ??= postings.TryGetValue(term, out List<(uint, int)>? existing) ? existing : postings[term] = [];
                            target.Add(((uint)moved, frequencies[p]));
                        }
                    }
                }
            }

            var index = new TextFieldIndex(field, schema.AnalyzerOf(field));
            foreach ((string term, List<(uint Offset, int Frequency)> list) in postings)
            {
                list.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
                index.AddPostings(term, list);
            }

            index.SetLengths(lengths);
            result[field] = index;
        }

        return result;
    }

    /// <summary>Saves <paramref name="indexes"/> of a segment of <paramref name="rowCount"/> rows (durably, replacing any older file).</summary>
    public static void Write(IFileSystem fs, string directory, IReadOnlyDictionary<string, TextFieldIndex> indexes, int rowCount)
    {
        using var w = new ByteWriter(1 << 16);
        w.WriteBytes(Magic);
        w.WriteUInt32(Version);
        w.WriteUInt32((uint)indexes.Count);
        foreach ((string field, TextFieldIndex index) in indexes)
        {
            w.WriteString(field);
            // Rows past the last one with text have length 0 (the in-memory array only grows as far as text went).
            w.WriteUInt32((uint)rowCount);
            for (uint row = 0; row < rowCount; row++)
            {
                WriteVarint(w, (uint)index.LengthOf(row));
            }

            w.WriteUInt32((uint)index.TermCount);
            foreach ((string term, TermPostings postings) in index.AllPostings)
            {
                w.WriteString(term);
                WriteVarint(w, (uint)postings.Count);
                uint previous = 0;
                ReadOnlySpan<uint> offsets = postings.Offsets;
                ReadOnlySpan<int> frequencies = postings.Frequencies;
                for (int i = 0; i < offsets.Length; i++)
                {
                    WriteVarint(w, offsets[i] - previous);
                    WriteVarint(w, (uint)frequencies[i]);
                    previous = offsets[i];
                }
            }
        }

        w.WriteUInt32(Crc32C.Compute(w.WrittenSpan));
        DurableFile.WriteAllBytes(fs, Path.Combine(directory, FileName), w.WrittenSpan);
    }

    /// <summary>The saved indexes, or null when the file is missing, damaged, or does not fit the schema and row count.</summary>
    public static Dictionary<string, TextFieldIndex>? TryRead(IFileSystem fs, string directory, PayloadIndexSchema schema, int rowCount)
    {
        string path = Path.Combine(directory, FileName);
        string[] fields = schema.Types.Where(t => t.Value == PayloadIndexType.Text).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
        if (fields.Length == 0 || !fs.FileExists(path))
        {
            return null;
        }

        try
        {
            byte[] data = DurableFile.ReadAllBytes(fs, path);
            if (data.Length < 20 || !data.AsSpan(0, 8).SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8)) != Version
                || Crc32C.Compute(data.AsSpan(0, data.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4)))
            {
                return null;
            }

            var reader = new ByteReader(data.AsSpan(12, data.Length - 16));
            uint count = reader.ReadUInt32();
            var result = new Dictionary<string, TextFieldIndex>(StringComparer.Ordinal);
            for (int f = 0; f < count; f++)
            {
                string field = reader.ReadString();
                if (!schema.Types.TryGetValue(field, out PayloadIndexType type) || type != PayloadIndexType.Text || reader.ReadUInt32() != rowCount)
                {
                    return null;
                }

                var lengths = new int[rowCount];
                for (int i = 0; i < rowCount; i++)
                {
                    lengths[i] = (int)ReadVarint(ref reader);
                }

                var index = new TextFieldIndex(field, schema.AnalyzerOf(field));
                uint terms = reader.ReadUInt32();
                var list = new List<(uint Offset, int Frequency)>();
                for (uint t = 0; t < terms; t++)
                {
                    string term = reader.ReadString();
                    uint postings = ReadVarint(ref reader);
                    list.Clear();
                    uint offset = 0;
                    for (uint p = 0; p < postings; p++)
                    {
                        offset += ReadVarint(ref reader);
                        int frequency = (int)ReadVarint(ref reader);
                        if (offset >= rowCount)
                        {
                            return null;
                        }

                        list.Add((offset, frequency));
                    }

                    index.AddPostings(term, list);
                }

                index.SetLengths(lengths);
                result[field] = index;
            }

            return result.Keys.Order(StringComparer.Ordinal).SequenceEqual(fields) ? result : null;
        }
        catch (Exception e) when (e is InvalidDataException or VectorEngineException { Kind: VectorEngineErrorKind.DataCorruption })
        {
            // A truncated record or an overlong varint: rebuilt from the payloads.
            return null;
        }
    }

    private static void WriteVarint(ByteWriter w, uint value)
    {
        while (value >= 0x80)
        {
            w.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        w.WriteByte((byte)value);
    }

    private static uint ReadVarint(ref ByteReader reader)
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A varint runs past 5 bytes.");
    }
}
