using System.Buffers;
using MessagePack;
using VectorEngine.Diagnostics;

namespace VectorEngine.Tiers;

/// <summary>
/// A payload as one MessagePack map (key → value; date-times as the timestamp extension, arrays as arrays), written and
/// read with MessagePack's low-level writer and reader: no reflection, no generated formatter, trimming-safe.
/// </summary>
internal static class PayloadMessagePack
{
    public static void Write(IBufferWriter<byte> output, Payload payload)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(payload.Count);
        foreach (KeyValuePair<string, PayloadValue> pair in payload)
        {
            writer.Write(pair.Key);
            WriteValue(ref writer, pair.Value);
        }

        writer.Flush();
    }

    public static Payload Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            int count = reader.ReadMapHeader();
            if (count == 0)
            {
                return Payload.Empty;
            }

            var payload = new Payload();
            for (int i = 0; i < count; i++)
            {
                string key = reader.ReadString() ?? throw new MessagePackSerializationException("a payload key is nil");
                payload[key] = ReadValue(ref reader, depth: 0);
            }

            return payload;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw new DataCorruptionException($"A warm payload is not readable MessagePack ({e.Message}).", e);
        }
    }

    private static void WriteValue(ref MessagePackWriter writer, PayloadValue value)
    {
        switch (value.Kind)
        {
            case PayloadValueKind.Null:
                writer.WriteNil();
                break;
            case PayloadValueKind.String:
                writer.Write(value.AsString);
                break;
            case PayloadValueKind.Integer:
                writer.Write(value.AsInteger);
                break;
            case PayloadValueKind.Float:
                writer.Write(value.AsFloat);
                break;
            case PayloadValueKind.Bool:
                writer.Write(value.AsBool);
                break;
            case PayloadValueKind.DateTime:
                writer.Write(value.AsDateTime);
                break;
            case PayloadValueKind.Array:
                IReadOnlyList<PayloadValue> items = value.AsArray;
                writer.WriteArrayHeader(items.Count);
                foreach (PayloadValue item in items)
                {
                    WriteValue(ref writer, item);
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown payload value kind {value.Kind}.");
        }
    }

    private static PayloadValue ReadValue(ref MessagePackReader reader, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return PayloadValue.Null;
            case MessagePackType.String:
                return PayloadValue.From(reader.ReadString());
            case MessagePackType.Integer:
                return PayloadValue.From(reader.ReadInt64());
            case MessagePackType.Float:
                return PayloadValue.From(reader.ReadDouble());
            case MessagePackType.Boolean:
                return PayloadValue.From(reader.ReadBoolean());
            case MessagePackType.Extension:
                return PayloadValue.From(reader.ReadDateTime());
            case MessagePackType.Array when depth < 32:
                int count = reader.ReadArrayHeader();
                var items = new PayloadValue[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = ReadValue(ref reader, depth + 1);
                }

                return PayloadValue.FromArray(items);
            default:
                throw new MessagePackSerializationException($"unexpected {reader.NextMessagePackType} in a payload");
        }
    }
}
