namespace VectorEngine.Sharding.Routing;

/// <summary>Merges per-shard answers: hits by score (the metric's direction, ties by id), scroll pages by id.</summary>
public static class ResultMerge
{
    /// <summary>The best <paramref name="limit"/> of several best-first lists.</summary>
    public static IReadOnlyList<ScoredPoint> TopK(IReadOnlyList<IReadOnlyList<ScoredPoint>> parts, int limit, DistanceMetric metric)
    {
        if (parts.Count == 1)
        {
            return parts[0].Count <= limit ? parts[0] : parts[0].Take(limit).ToArray();
        }

        IEnumerable<ScoredPoint> all = parts.SelectMany(p => p);
        IOrderedEnumerable<ScoredPoint> ordered = metric.HigherIsBetter()
            ? all.OrderByDescending(p => p.Score)
            : all.OrderBy(p => p.Score);
        return ordered.ThenBy(p => p.Id).Take(limit).ToArray();
    }

    /// <summary>The first <paramref name="limit"/> by id of several id-ordered pages.</summary>
    public static IReadOnlyList<PointRecord> ById(IReadOnlyList<IReadOnlyList<PointRecord>> parts, int limit) =>
        parts.Count == 1 && parts[0].Count <= limit ? parts[0] : parts.SelectMany(p => p).OrderBy(p => p.Id).Take(limit).ToArray();
}
