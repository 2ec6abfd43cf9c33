namespace VectorEngine.Filters;

/// <summary>The key equals a keyword, integer or bool; for an array value, any element equal matches.</summary>
public sealed class MatchCondition : Condition
{
    internal MatchCondition(string key, PayloadValue value)
    {
        Key = key;
        Value = value;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <summary>The value to match: a string, integer or bool.</summary>
    public PayloadValue Value { get; }

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload) =>
        payload.TryGetValue(Key, out PayloadValue v) && ValueMatching.Contains(v, Value);

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        ValueMatching.ValidateMatchValue(Value, Key);
    }
}

/// <summary>The key equals any of the values; for an array value, any element equal to any of them matches.</summary>
public sealed class MatchAnyCondition : Condition
{
    internal MatchAnyCondition(string key, IReadOnlyList<PayloadValue> values)
    {
        Key = key;
        Values = values;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <summary>The candidate values: strings, integers or bools.</summary>
    public IReadOnlyList<PayloadValue> Values { get; }

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload)
    {
        if (!payload.TryGetValue(Key, out PayloadValue v))
        {
            return false;
        }

        foreach (PayloadValue wanted in Values)
        {
            if (ValueMatching.Contains(v, wanted))
            {
                return true;
            }
        }

        return false;
    }

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        if (Values is null || Values.Count == 0)
        {
            throw new InvalidFilterException($"MatchAny on '{Key}' needs at least one value.");
        }

        budget -= Values.Count;
        if (budget < 0)
        {
            throw new InvalidFilterException($"Filter has more than {Filter.MaxConditions} conditions and match values.");
        }

        foreach (PayloadValue value in Values)
        {
            ValueMatching.ValidateMatchValue(value, Key);
        }
    }
}

/// <summary>Shared equality rules for match conditions.</summary>
internal static class ValueMatching
{
    public static bool Contains(PayloadValue stored, PayloadValue wanted)
    {
        if (stored.Kind == PayloadValueKind.Array)
        {
            foreach (PayloadValue element in stored.ArrayOrNull!)
            {
                if (element.Equals(wanted))
                {
                    return true;
                }
            }

            return false;
        }

        return stored.Equals(wanted);
    }

    public static void ValidateMatchValue(PayloadValue value, string key)
    {
        if (value.Kind is not (PayloadValueKind.String or PayloadValueKind.Integer or PayloadValueKind.Bool))
        {
            throw new InvalidFilterException($"Match on '{key}' takes a keyword, integer or bool; got {value.Kind}.");
        }
    }
}
