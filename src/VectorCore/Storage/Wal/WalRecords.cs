using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine.Storage.Wal;

/// <summary>The collection's WAL record types: a whole upsert batch or a whole delete batch per record, so replay applies a batch entirely or not at all.</summary>
internal static class WalRecords
{
    public const byte Upsert = 1;
    public const byte Delete = 2;

    /// <summary>Encodes prepared (validated, normalised) points; the first bytes are left for the WAL frame.</summary>
    public static void EncodeUpsert(ByteWriter w, IReadOnlyList<PreparedPoint> points, int dimension)
    {
        w.Reserve(WalWriter.FrameSize);
        w.WriteByte(Upsert);
        w.WriteUInt32((uint)points.Count);
        w.WriteUInt32((uint)dimension);
        foreach (PreparedPoint p in points)
        {
            PointCodec.WriteId(w, p.Id);
            w.WriteFloats(p.Vector);
            PointCodec.WritePayload(w, p.Payload);
        }
    }

    public static void EncodeDelete(ByteWriter w, IReadOnlyCollection<PointId> ids)
    {
        w.Reserve(WalWriter.FrameSize);
        w.WriteByte(Delete);
        w.WriteUInt32((uint)ids.Count);
        foreach (PointId id in ids)
        {
            PointCodec.WriteId(w, id);
        }
    }

    public static (byte Type, List<PreparedPoint>? Points, List<PointId>? Ids) Decode(ReadOnlySpan<byte> payload, int dimension)
    {
        var r = new ByteReader(payload);
        byte type = r.ReadByte();
        uint count = r.ReadUInt32();
        if (count > payload.Length)
        {
            ThrowHelper.ThrowCorrupt($"WAL record claims {count} entries in {payload.Length} bytes.");
        }

        if (type == Upsert)
        {
            if (r.ReadUInt32() != dimension)
            {
                ThrowHelper.ThrowCorrupt("WAL upsert record has the wrong dimension.");
            }

            var points = new List<PreparedPoint>((int)count);
            for (uint i = 0; i < count; i++)
            {
                PointId id = PointCodec.ReadId(ref r);
                float[] vector = new float[dimension];
                r.ReadFloats(vector);
                points.Add(new PreparedPoint(id, vector, PointCodec.ReadPayload(ref r)));
            }

            return (type, points, null);
        }

        if (type == Delete)
        {
            var ids = new List<PointId>((int)count);
            for (uint i = 0; i < count; i++)
            {
                ids.Add(PointCodec.ReadId(ref r));
            }

            return (type, null, ids);
        }

        ThrowHelper.ThrowCorrupt($"Unknown WAL record type {type}.");
        return default;
    }
}

/// <summary>A point after validation: vector copied (and normalised for cosine), payload copied.</summary>
internal readonly record struct PreparedPoint(PointId Id, float[] Vector, Payload Payload);
