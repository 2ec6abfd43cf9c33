using VectorEngine.Filters;

namespace VectorEngine.Tests.TestKit;

/// <summary>Random payloads and filters over a small shared vocabulary, so that filters match some points but not all.</summary>
internal static class RandomFilters
{
    public static readonly string[] Keywords = ["a", "b", "c", "d"];
    public static readonly DateTime Epoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static Dictionary<string, PayloadIndexType> Schema => new()
    {
        ["kw"] = PayloadIndexType.Keyword,
        ["int"] = PayloadIndexType.Integer,
        ["flt"] = PayloadIndexType.Float,
        ["when"] = PayloadIndexType.DateTime,
        ["flag"] = PayloadIndexType.Bool,
    };

    public static Payload Payload(Random r)
    {
        var p = new Payload();
        Maybe(r, () => p["kw"] = r.Next(6) switch
        {
            0 => PayloadValue.Null,
            1 => PayloadValue.FromArray(Enumerable.Range(0, r.Next(3)).Select(_ => (PayloadValue)Keywords[r.Next(4)])),
            _ => Keywords[r.Next(4)],
        });
        Maybe(r, () => p["int"] = r.Next(5) == 0 ? PayloadValue.FromArray([r.Next(10), r.Next(10)]) : r.Next(10));
        Maybe(r, () => p["flt"] = r.Next(5) == 0 ? r.Next(10) : (r.NextDouble() * 10) - 2);
        Maybe(r, () => p["when"] = Epoch.AddHours(r.Next(100)));
        Maybe(r, () => p["flag"] = r.Next(2) == 0);
        Maybe(r, () => p["free"] = r.Next(3) switch { 0 => Keywords[r.Next(4)], 1 => r.Next(10), _ => PayloadValue.Null });
        return p;
    }

    public static Filter Filter(Random r, int depth = 0)
    {
        var f = new Filter();
        int n = r.Next(depth == 0 ? 1 : 0, 3);
        for (int i = 0; i < n; i++)
        {
            f.Must.Add(Condition(r, depth));
        }

        for (int i = r.Next(3); i > 0; i--)
        {
            f.Should.Add(Condition(r, depth));
        }

        for (int i = r.Next(2); i > 0; i--)
        {
            f.MustNot.Add(Condition(r, depth));
        }

        return f;
    }

    private static Condition Condition(Random r, int depth)
    {
        string anyKey = new[] { "kw", "int", "flt", "when", "flag", "free", "missing" }[r.Next(7)];
        switch (r.Next(depth < 2 ? 10 : 9))
        {
            case 0:
                return VectorEngine.Filters.Condition.Match(r.Next(2) == 0 ? "kw" : "free", Keywords[r.Next(4)]);
            case 1:
                return VectorEngine.Filters.Condition.Match(r.Next(2) == 0 ? "int" : "free", r.Next(10));
            case 2:
                return VectorEngine.Filters.Condition.Match("flag", r.Next(2) == 0);
            case 3:
                return VectorEngine.Filters.Condition.MatchAny(r.Next(3) == 0 ? "int" : "kw", r.Next(2) == 0
                    ? [Keywords[r.Next(4)], Keywords[r.Next(4)]]
                    : [r.Next(10), r.Next(10)]);
            case 4:
                double lo = (r.NextDouble() * 10) - 2;
                return r.Next(2) == 0
                    ? VectorEngine.Filters.Condition.Range(r.Next(2) == 0 ? "flt" : "int", gte: lo, lt: lo + (r.NextDouble() * 6))
                    : VectorEngine.Filters.Condition.Range(r.Next(2) == 0 ? "flt" : "int", gt: lo);
            case 5:
                DateTime from = Epoch.AddHours(r.Next(100));
                return r.Next(2) == 0
                    ? VectorEngine.Filters.Condition.DateTimeRange("when", gte: from, lte: from.AddHours(r.Next(50)))
                    : VectorEngine.Filters.Condition.DateTimeRange("when", lt: from);
            case 6:
                return VectorEngine.Filters.Condition.IsNull(anyKey);
            case 7:
                return VectorEngine.Filters.Condition.IsEmpty(anyKey);
            case 8:
                return VectorEngine.Filters.Condition.HasId(Enumerable.Range(0, r.Next(1, 30)).Select(_ => (PointId)(ulong)r.Next(300)).ToArray());
            default:
                return Filter(r, depth + 1);
        }
    }

    private static void Maybe(Random r, Action set)
    {
        if (r.Next(5) != 0)
        {
            set();
        }
    }
}
