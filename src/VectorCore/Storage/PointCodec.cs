using VectorEngine.Diagnostics;

namespace VectorEngine.Storage;

/// <summary>Binary encoding of ids and payloads, shared by the WAL, segment files and snapshots.</summary>
internal static class PointCodec
{
    public static void WriteId(ByteWriter w, PointId id)
    {
        w.WriteByte((byte)id.Kind);
        switch (id.Kind)
        {
            case PointIdKind.Number:
                w.WriteUInt64(id.Number);
                break;
            case PointIdKind.Uuid:
                id.Uuid.TryWriteBytes(w.Reserve(16));
                break;
            default:
                w.WriteString(id.String);
                break;
        }
    }

    public static PointId ReadId(ref ByteReader r)
    {
        byte kind = r.ReadByte();
        switch ((PointIdKind)kind)
        {
            case PointIdKind.Number:
                return new PointId(r.ReadUInt64());
            case PointIdKind.Uuid:
                return new PointId(new Guid(r.ReadBytes(16)));
            case PointIdKind.String:
                return new PointId(r.ReadString());
            default:
                ThrowHelper.ThrowCorrupt($"Unknown point id kind {kind}.");
                return default;
        }
    }

    public static void WritePayload(ByteWriter w, Payload? payload)
    {
        if (payload is null)
        {
            w.WriteUInt32(0);
            return;
        }

        w.WriteUInt32((uint)payload.Count);
        foreach (KeyValuePair<string, PayloadValue> pair in payload)
        {
            w.WriteString(pair.Key);
            WriteValue(w, pair.Value);
        }
    }

    public static Payload ReadPayload(ref ByteReader r)
    {
        uint count = r.ReadUInt32();
        if (count == 0)
        {
            return Payload.Empty;
        }

        if (count > r.Remaining)
        {
            ThrowHelper.ThrowCorrupt($"Payload claims {count} entries in {r.Remaining} bytes.");
        }

        var payload = new Payload();
        for (uint i = 0; i < count; i++)
        {
            string key = r.ReadString();
            payload[key] = ReadValue(ref r);
        }

        return payload;
    }

    private static void WriteValue(ByteWriter w, PayloadValue value)
    {
        w.WriteByte((byte)value.Kind);
        switch (value.Kind)
        {
            case PayloadValueKind.Null:
                break;
            case PayloadValueKind.String:
                w.WriteString(value.AsString);
                break;
            case PayloadValueKind.Array:
                PayloadValue[] items = value.ArrayOrNull!;
                w.WriteUInt32((uint)items.Length);
                foreach (PayloadValue item in items)
                {
                    WriteValue(w, item);
                }

                break;
            default:
                w.WriteInt64(value.RawBits);
                break;
        }
    }

    /// <summary>Reads one value; <paramref name="inArray"/> refuses a nested array before recursing, so crafted bytes cannot
    /// nest deep enough to overflow the stack.</summary>
    private static PayloadValue ReadValue(ref ByteReader r, bool inArray = false)
    {
        var kind = (PayloadValueKind)r.ReadByte();
        if (inArray && kind == PayloadValueKind.Array)
        {
            ThrowHelper.ThrowCorrupt("A payload array holds an array; arrays hold scalars only.");
        }

        switch (kind)
        {
            case PayloadValueKind.Null:
                return PayloadValue.Null;
            case PayloadValueKind.String:
                return PayloadValue.From(r.ReadString());
            case PayloadValueKind.Integer:
                return PayloadValue.From(r.ReadInt64());
            case PayloadValueKind.Float:
                return PayloadValue.From(BitConverter.Int64BitsToDouble(r.ReadInt64()));
            case PayloadValueKind.Bool:
                return PayloadValue.From(r.ReadInt64() != 0);
            case PayloadValueKind.DateTime:
                long ticks = r.ReadInt64();
                if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
                {
                    ThrowHelper.ThrowCorrupt($"Datetime ticks {ticks} out of range.");
                }

                return PayloadValue.From(new DateTime(ticks, DateTimeKind.Utc));
            case PayloadValueKind.Array:
                uint n = r.ReadUInt32();
                if (n > r.Remaining)
                {
                    ThrowHelper.ThrowCorrupt($"Payload array claims {n} items in {r.Remaining} bytes.");
                }

                var items = new PayloadValue[n];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = ReadValue(ref r, inArray: true);
                }

                return PayloadValue.FromArray(items);
            default:
                ThrowHelper.ThrowCorrupt($"Unknown payload value kind {(byte)kind}.");
                return default;
        }
    }
}
