using VectorEngine.Api.V1;
using VectorEngine.Filters;
using EngineCondition = VectorEngine.Filters.Condition;
using EngineFilter = VectorEngine.Filters.Filter;
using WireCondition = VectorEngine.Api.V1.Condition;
using WireFilter = VectorEngine.Api.V1.Filter;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Filters between the wire types and the engine's; the engine validates depth, size and values afterwards.</summary>
internal static class FilterMapping
{
    /// <summary>Deeper wire filters are refused while converting, before the engine's own depth check could run.</summary>
    private const int MaxDepth = EngineFilter.MaxDepth;

    public static EngineFilter? ToEngine(this WireFilter? filter, string field) => filter is null ? null : ToEngine(filter, field, 1);

    private static EngineFilter ToEngine(WireFilter filter, string field, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidFilterException($"{field} is nested deeper than the maximum of {MaxDepth} levels.");
        }

        return new EngineFilter
        {
            Must = filter.Must.Select((c, i) => ToEngine(c, $"{field}.must[{i}]", depth)).ToList(),
            Should = filter.Should.Select((c, i) => ToEngine(c, $"{field}.should[{i}]", depth)).ToList(),
            MustNot = filter.MustNot.Select((c, i) => ToEngine(c, $"{field}.must_not[{i}]", depth)).ToList(),
        };
    }

    private static EngineCondition ToEngine(WireCondition condition, string field, int depth) => condition.ConditionOneOfCase switch
    {
        WireCondition.ConditionOneOfOneofCase.Field => ToEngine(condition.Field, $"{field}.field"),
        WireCondition.ConditionOneOfOneofCase.IsNull => EngineCondition.IsNull(condition.IsNull.Key),
        WireCondition.ConditionOneOfOneofCase.IsEmpty => EngineCondition.IsEmpty(condition.IsEmpty.Key),
        WireCondition.ConditionOneOfOneofCase.HasId => EngineCondition.HasId(
            condition.HasId.HasId.Select((id, i) => id.ToEngine($"{field}.has_id[{i}]")).ToArray()),
        WireCondition.ConditionOneOfOneofCase.Filter => ToEngine(condition.Filter, $"{field}.filter", depth + 1),
        _ => throw new InvalidFilterException($"{field} is empty: set field, is_null, is_empty, has_id or filter."),
    };

    private static EngineCondition ToEngine(FieldCondition condition, string field)
    {
        int set = (condition.Match is null ? 0 : 1) + (condition.Range is null ? 0 : 1) + (condition.DatetimeRange is null ? 0 : 1);
        if (set != 1)
        {
            throw new InvalidFilterException($"{field} on '{condition.Key}' needs exactly one of match, range or datetime_range.");
        }

        if (condition.Range is { } r)
        {
            return EngineCondition.Range(condition.Key,
                r.HasGt ? r.Gt : null, r.HasGte ? r.Gte : null, r.HasLt ? r.Lt : null, r.HasLte ? r.Lte : null);
        }

        if (condition.DatetimeRange is { } d)
        {
            return EngineCondition.DateTimeRange(condition.Key, d.Gt.ToEngine(), d.Gte.ToEngine(), d.Lt.ToEngine(), d.Lte.ToEngine());
        }

        Match match = condition.Match!;
        return match.MatchValueCase switch
        {
            Match.MatchValueOneofCase.Keyword => EngineCondition.Match(condition.Key, match.Keyword),
            Match.MatchValueOneofCase.Integer => EngineCondition.Match(condition.Key, match.Integer),
            Match.MatchValueOneofCase.Boolean => EngineCondition.Match(condition.Key, match.Boolean),
            Match.MatchValueOneofCase.Keywords => EngineCondition.MatchAny(condition.Key, match.Keywords.Strings.Select(PayloadValue.From).ToArray()),
            Match.MatchValueOneofCase.Integers => EngineCondition.MatchAny(condition.Key, match.Integers.Integers.Select(PayloadValue.From).ToArray()),
            Match.MatchValueOneofCase.Text => EngineCondition.Text(condition.Key, match.Text),
            _ => throw new InvalidFilterException($"{field}.match on '{condition.Key}' is empty."),
        };
    }

    public static WireFilter? ToWire(this EngineFilter? filter) => filter is null ? null : new WireFilter
    {
        Must = { filter.Must.Select(ToWire) },
        Should = { filter.Should.Select(ToWire) },
        MustNot = { filter.MustNot.Select(ToWire) },
    };

    private static WireCondition ToWire(EngineCondition condition) => condition switch
    {
        EngineFilter nested => new WireCondition { Filter = nested.ToWire() },
        MatchCondition m => new WireCondition { Field = new FieldCondition { Key = m.Key, Match = ToWire(m.Value) } },
        MatchAnyCondition any => new WireCondition { Field = new FieldCondition { Key = any.Key, Match = ToWire(any.Values) } },
        RangeCondition r => new WireCondition
        {
            Field = new FieldCondition { Key = r.Key, Range = Range(r) },
        },
        DateTimeRangeCondition d => new WireCondition
        {
            Field = new FieldCondition
            {
                Key = d.Key,
                DatetimeRange = new DatetimeRange { Gt = d.Gt.ToWire(), Gte = d.Gte.ToWire(), Lt = d.Lt.ToWire(), Lte = d.Lte.ToWire() },
            },
        },
        TextCondition t => new WireCondition { Field = new FieldCondition { Key = t.Key, Match = new Match { Text = t.Query } } },
        Filters.IsNullCondition n => new WireCondition { IsNull = new Api.V1.IsNullCondition { Key = n.Key } },
        Filters.IsEmptyCondition e => new WireCondition { IsEmpty = new Api.V1.IsEmptyCondition { Key = e.Key } },
        Filters.HasIdCondition h => new WireCondition { HasId = new Api.V1.HasIdCondition { HasId = { h.Ids.Select(id => id.ToWire()) } } },
        _ => throw new VectorEngineArgumentException($"The server protocol has no form for a {condition.GetType().Name}.", "filter"),
    };

    private static Api.V1.Range Range(RangeCondition r)
    {
        var range = new Api.V1.Range();
        if (r.Gt is { } gt) range.Gt = gt;
        if (r.Gte is { } gte) range.Gte = gte;
        if (r.Lt is { } lt) range.Lt = lt;
        if (r.Lte is { } lte) range.Lte = lte;
        return range;
    }

    private static Match ToWire(PayloadValue value) => value.Kind switch
    {
        PayloadValueKind.String => new Match { Keyword = value.AsString },
        PayloadValueKind.Integer => new Match { Integer = value.AsInteger },
        PayloadValueKind.Bool => new Match { Boolean = value.AsBool },
        _ => throw new VectorEngineArgumentException($"The server protocol matches keywords, integers and booleans; got {value.Kind}.", "filter"),
    };

    private static Match ToWire(IReadOnlyList<PayloadValue> values) =>
        values.All(v => v.Kind == PayloadValueKind.String)
            ? new Match { Keywords = new RepeatedStrings { Strings = { values.Select(v => v.AsString) } } }
            : values.All(v => v.Kind == PayloadValueKind.Integer)
                ? new Match { Integers = new RepeatedIntegers { Integers = { values.Select(v => v.AsInteger) } } }
                : throw new VectorEngineArgumentException("The server protocol's match-any takes all keywords or all integers.", "filter");
}
