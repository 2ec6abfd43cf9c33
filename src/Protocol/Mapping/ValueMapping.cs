using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using VectorEngine.Api.V1;
using ListValue = VectorEngine.Api.V1.ListValue;
using NullValue = VectorEngine.Api.V1.NullValue;
using Value = VectorEngine.Api.V1.Value;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Point ids, payload values and payloads between the wire types and the engine's.</summary>
internal static class ValueMapping
{
    public static PointId ToEngine(this Api.V1.PointId? id, string field) => id?.PointIdOptionsCase switch
    {
        Api.V1.PointId.PointIdOptionsOneofCase.Num => new PointId(id.Num),
        Api.V1.PointId.PointIdOptionsOneofCase.Uuid => Guid.TryParse(id.Uuid, out Guid uuid)
            ? new PointId(uuid)
            : throw new VectorEngineArgumentException($"{field}: '{id.Uuid}' is not a UUID.", field),
        Api.V1.PointId.PointIdOptionsOneofCase.Str => new PointId(id.Str),
        _ => throw new VectorEngineArgumentException($"{field} is required (num, uuid or str).", field),
    };

    public static Api.V1.PointId ToWire(this PointId id) => id.Kind switch
    {
        PointIdKind.Number => new Api.V1.PointId { Num = id.Number },
        PointIdKind.Uuid => new Api.V1.PointId { Uuid = id.Uuid.ToString("D") },
        _ => new Api.V1.PointId { Str = id.String },
    };

    public static PayloadValue ToEngine(this Value value, string field) => value.KindCase switch
    {
        Value.KindOneofCase.None or Value.KindOneofCase.NullValue => PayloadValue.Null,
        Value.KindOneofCase.DoubleValue => PayloadValue.From(value.DoubleValue),
        Value.KindOneofCase.IntegerValue => PayloadValue.From(value.IntegerValue),
        Value.KindOneofCase.StringValue => PayloadValue.From(value.StringValue),
        Value.KindOneofCase.BoolValue => PayloadValue.From(value.BoolValue),
        Value.KindOneofCase.DatetimeValue => PayloadValue.From(value.DatetimeValue.ToDateTime()),
        _ => PayloadValue.FromArray(value.ListValue.Values.Select((v, i) => v.ToEngine($"{field}[{i}]"))),
    };

    public static Value ToWire(this PayloadValue value) => value.Kind switch
    {
        PayloadValueKind.Null => new Value { NullValue = NullValue.NullValue },
        PayloadValueKind.String => new Value { StringValue = value.AsString },
        PayloadValueKind.Integer => new Value { IntegerValue = value.AsInteger },
        PayloadValueKind.Float => new Value { DoubleValue = value.AsFloat },
        PayloadValueKind.Bool => new Value { BoolValue = value.AsBool },
        PayloadValueKind.DateTime => new Value { DatetimeValue = Timestamp.FromDateTime(value.AsDateTime) },
        _ => new Value { ListValue = new ListValue { Values = { value.AsArray.Select(ToWire) } } },
    };

    public static Payload? ToEngine(this MapField<string, Value> payload, string field)
    {
        if (payload.Count == 0)
        {
            return null;
        }

        var result = new Payload();
        foreach (KeyValuePair<string, Value> pair in payload)
        {
            result[pair.Key] = pair.Value.ToEngine($"{field}.{pair.Key}");
        }

        return result;
    }

    public static void CopyTo(this IReadOnlyDictionary<string, PayloadValue>? payload, MapField<string, Value> target)
    {
        if (payload is null)
        {
            return;
        }

        foreach (KeyValuePair<string, PayloadValue> pair in payload)
        {
            target[pair.Key] = pair.Value.ToWire();
        }
    }

    public static DateTime? ToEngine(this Timestamp? timestamp) => timestamp?.ToDateTime();

    public static Timestamp? ToWire(this DateTime? value) =>
        value is { } v ? Timestamp.FromDateTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
