namespace VectorEngine.Filters;

/// <summary>A numeric key (integer or float; for arrays, any element) lies within the bounds.</summary>
public sealed class RangeCondition : Condition
{
    internal RangeCondition(string key, double? gt, double? gte, double? lt, double? lte)
    {
        Key = key;
        Gt = gt;
        Gte = gte;
        Lt = lt;
        Lte = lte;
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <summary>Strict lower bound.</summary>
    public double? Gt { get; }

    /// <summary>Inclusive lower bound.</summary>
    public double? Gte { get; }

    /// <summary>Strict upper bound.</summary>
    public double? Lt { get; }

    /// <summary>Inclusive upper bound.</summary>
    public double? Lte { get; }

    /// <summary>True when <paramref name="x"/> satisfies every bound.</summary>
    /// <param name="x">The value.</param>
    public bool Contains(double x) =>
        (Gt is not { } gt || x > gt) && (Gte is not { } gte || x >= gte) &&
        (Lt is not { } lt || x < lt) && (Lte is not { } lte || x <= lte);

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload)
    {
        if (!payload.TryGetValue(Key, out PayloadValue v))
        {
            return false;
        }

        if (v.Kind == PayloadValueKind.Array)
        {
            foreach (PayloadValue e in v.ArrayOrNull!)
            {
                if (e.TryGetNumber(out double x) && Contains(x))
                {
                    return true;
                }
            }

            return false;
        }

        return v.TryGetNumber(out double value) && Contains(value);
    }

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        if (Gt is null && Gte is null && Lt is null && Lte is null)
        {
            throw new InvalidFilterException($"Range on '{Key}' needs at least one bound.");
        }

        foreach (double? b in new[] { Gt, Gte, Lt, Lte })
        {
            if (b is { } x && double.IsNaN(x))
            {
                throw new InvalidFilterException($"Range on '{Key}' has a NaN bound.");
            }
        }
    }
}

/// <summary>A datetime key (for arrays, any element) lies within the bounds. Bounds are compared in UTC.</summary>
public sealed class DateTimeRangeCondition : Condition
{
    internal DateTimeRangeCondition(string key, DateTime? gt, DateTime? gte, DateTime? lt, DateTime? lte)
    {
        Key = key;
        Gt = ToUtc(gt);
        Gte = ToUtc(gte);
        Lt = ToUtc(lt);
        Lte = ToUtc(lte);
    }

    /// <summary>The payload key.</summary>
    public string Key { get; }

    /// <summary>Strict lower bound.</summary>
    public DateTime? Gt { get; }

    /// <summary>Inclusive lower bound.</summary>
    public DateTime? Gte { get; }

    /// <summary>Strict upper bound.</summary>
    public DateTime? Lt { get; }

    /// <summary>Inclusive upper bound.</summary>
    public DateTime? Lte { get; }

    /// <summary>True when <paramref name="ticks"/> (UTC) satisfies every bound.</summary>
    /// <param name="ticks">UTC ticks.</param>
    public bool Contains(long ticks) =>
        (Gt is not { } gt || ticks > gt.Ticks) && (Gte is not { } gte || ticks >= gte.Ticks) &&
        (Lt is not { } lt || ticks < lt.Ticks) && (Lte is not { } lte || ticks <= lte.Ticks);

    /// <inheritdoc />
    public override bool Matches(PointId id, IReadOnlyDictionary<string, PayloadValue> payload)
    {
        if (!payload.TryGetValue(Key, out PayloadValue v))
        {
            return false;
        }

        if (v.Kind == PayloadValueKind.Array)
        {
            foreach (PayloadValue e in v.ArrayOrNull!)
            {
                if (e.Kind == PayloadValueKind.DateTime && Contains(e.RawBits))
                {
                    return true;
                }
            }

            return false;
        }

        return v.Kind == PayloadValueKind.DateTime && Contains(v.RawBits);
    }

    internal override void Validate(int depth, ref int budget)
    {
        ValidateKey(Key);
        if (Gt is null && Gte is null && Lt is null && Lte is null)
        {
            throw new InvalidFilterException($"DateTimeRange on '{Key}' needs at least one bound.");
        }
    }

    private static DateTime? ToUtc(DateTime? value) => value is { } v ? PayloadValue.From(v).AsDateTime : null;
}
