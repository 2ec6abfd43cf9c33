namespace VectorEngine.PayloadIndexes;

/// <summary>Checks payloads against the declared payload index types, before anything is written.</summary>
internal static class PayloadSchema
{
    public static void Validate(Payload payload, IReadOnlyDictionary<string, PayloadIndexType> indexes, PointId id)
    {
        foreach (KeyValuePair<string, PayloadValue> pair in payload)
        {
            if (pair.Key is null || pair.Key.Length == 0 || pair.Key.Length > Payload.MaxKeyLength)
            {
                throw new InvalidPayloadException($"Point {id}: payload keys must have 1 to {Payload.MaxKeyLength} characters.");
            }

            if (!indexes.TryGetValue(pair.Key, out PayloadIndexType type))
            {
                continue;
            }

            PayloadValue value = pair.Value;
            if (value.Kind == PayloadValueKind.Array)
            {
                foreach (PayloadValue element in value.ArrayOrNull!)
                {
                    Check(element, type, pair.Key, id);
                }
            }
            else
            {
                Check(value, type, pair.Key, id);
            }
        }
    }

    public static bool Accepts(PayloadIndexType type, PayloadValueKind kind) => kind switch
    {
        PayloadValueKind.Null => true,
        PayloadValueKind.String => type is PayloadIndexType.Keyword or PayloadIndexType.Text,
        PayloadValueKind.Integer => type is PayloadIndexType.Integer or PayloadIndexType.Float,
        PayloadValueKind.Float => type == PayloadIndexType.Float,
        PayloadValueKind.Bool => type == PayloadIndexType.Bool,
        PayloadValueKind.DateTime => type == PayloadIndexType.DateTime,
        _ => false,
    };

    private static void Check(PayloadValue value, PayloadIndexType type, string key, PointId id)
    {
        if (!Accepts(type, value.Kind))
        {
            throw new InvalidPayloadException($"Point {id}: payload key '{key}' has a {type} index but the value is {value.Kind} ({value}).");
        }
    }
}
