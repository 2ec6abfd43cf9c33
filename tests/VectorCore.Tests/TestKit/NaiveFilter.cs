using VectorEngine.Filters;

namespace VectorEngine.Tests.TestKit;

/// <summary>
/// An independent, deliberately simple evaluation of the filter semantics, written from the documented rules rather
/// than from the engine's code, to check the engine's indexed and unindexed evaluation against.
/// </summary>
internal static class NaiveFilter
{
    public static bool Matches(Condition condition, PointId id, IReadOnlyDictionary<string, PayloadValue> payload) => condition switch
    {
        Filter f => f.Must.All(c => Matches(c, id, payload))
            && !f.MustNot.Any(c => Matches(c, id, payload))
            && (f.Should.Count == 0 || f.Should.Any(c => Matches(c, id, payload))),
        MatchCondition m => Values(payload, m.Key).Any(v => v.Equals(m.Value)),
        MatchAnyCondition m => Values(payload, m.Key).Any(v => m.Values.Contains(v)),
        RangeCondition r => Values(payload, r.Key).Any(v => Number(v) is { } x
            && (r.Gt is null || x > r.Gt) && (r.Gte is null || x >= r.Gte) && (r.Lt is null || x < r.Lt) && (r.Lte is null || x <= r.Lte)),
        DateTimeRangeCondition d => Values(payload, d.Key).Any(v => v.Kind == PayloadValueKind.DateTime
            && (d.Gt is null || v.AsDateTime > d.Gt) && (d.Gte is null || v.AsDateTime >= d.Gte)
            && (d.Lt is null || v.AsDateTime < d.Lt) && (d.Lte is null || v.AsDateTime <= d.Lte)),
        IsNullCondition n => payload.TryGetValue(n.Key, out PayloadValue value) && value.Kind == PayloadValueKind.Null,
        IsEmptyCondition e => !payload.TryGetValue(e.Key, out PayloadValue value) || value.Kind == PayloadValueKind.Null
            || (value.Kind == PayloadValueKind.Array && value.AsArray.Count == 0),
        HasIdCondition h => h.Ids.Contains(id),
        _ => throw new NotSupportedException(condition.GetType().Name),
    };

    private static IEnumerable<PayloadValue> Values(IReadOnlyDictionary<string, PayloadValue> payload, string key)
    {
        if (!payload.TryGetValue(key, out PayloadValue value))
        {
            return [];
        }

        return value.Kind == PayloadValueKind.Array ? value.AsArray : [value];
    }

    private static double? Number(PayloadValue v) => v.Kind switch
    {
        PayloadValueKind.Integer => v.AsInteger,
        PayloadValueKind.Float => v.AsFloat,
        _ => null,
    };
}
