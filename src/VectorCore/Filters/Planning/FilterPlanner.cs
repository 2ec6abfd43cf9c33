using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;

namespace VectorEngine.Filters.Planning;

/// <summary>
/// Narrows a filter to candidate offsets in one segment using payload indexes and the id map. Candidates are a
/// superset of the matches; the caller re-checks the whole filter on each, so results never depend on which indexes
/// exist. The planner picks the most selective indexed must-condition by estimate before materialising any list.
/// </summary>
internal static class FilterPlanner
{
    public delegate bool LocateId(PointId id, out PointLocation location);

    /// <summary>Sorted, duplicate-free candidate offsets, or null when no index narrows the filter.</summary>
    public static List<uint>? Candidates(Segment segment, Filter filter, LocateId locate)
    {
        Condition? best = null;
        long bestEstimate = long.MaxValue;
        foreach (Condition condition in filter.Must)
        {
            long estimate = Estimate(segment, condition);
            if (estimate >= 0 && estimate < bestEstimate)
            {
                best = condition;
                bestEstimate = estimate;
            }
        }

        if (best is not null)
        {
            return Materialise(segment, best, locate);
        }

        // Only should-conditions: usable when every one of them is indexed (their union bounds the matches).
        if (filter.Must.Count == 0 && filter.Should.Count > 0 && filter.Should.All(c => Estimate(segment, c) >= 0))
        {
            var union = new List<uint>();
            foreach (Condition condition in filter.Should)
            {
                union.AddRange(Materialise(segment, condition, locate)!);
            }

            union.Sort();
            return union.Distinct().ToList();
        }

        return null;
    }

    /// <summary>Points sampled to estimate a filter no payload index answers.</summary>
    private const int SampleSize = 512;

    /// <summary>
    /// Estimated matches of <paramref name="filter"/> among the segment's points: the smallest payload-index bound of a
    /// must-condition, the sum of the bounds of indexed should-conditions, or, when no index answers, the match rate
    /// of an evenly spaced sample (Qdrant's cardinality estimation, simplified). Cheap: nothing is materialised.
    /// </summary>
    public static long EstimateMatches(Segment segment, Filter filter)
    {
        long best = long.MaxValue;
        foreach (Condition condition in filter.Must)
        {
            long estimate = Estimate(segment, condition);
            if (estimate >= 0)
            {
                best = Math.Min(best, estimate);
            }
        }

        if (best != long.MaxValue)
        {
            return best;
        }

        if (filter.Must.Count == 0 && filter.Should.Count > 0)
        {
            long[] estimates = filter.Should.Select(c => Estimate(segment, c)).ToArray();
            if (estimates.All(e => e >= 0))
            {
                return Math.Min(segment.Count, estimates.Sum());
            }
        }

        int count = segment.Count;
        if (count <= SampleSize)
        {
            return count;
        }

        int hits = 0;
        for (int i = 0; i < SampleSize; i++)
        {
            uint offset = (uint)((long)i * count / SampleSize);
            if (filter.Matches(segment, offset))
            {
                hits++;
            }
        }

        // Round up: one sampled hit in 512 must not read as "no matches".
        return ((long)(hits + 1) * count) / SampleSize;
    }

    /// <summary>An upper bound on the matches of <paramref name="condition"/> in the segment; -1 when no index answers it.</summary>
    public static long Estimate(Segment segment, Condition condition) => condition switch
    {
        HasIdCondition h => h.Ids.Count,
        Filter f => f.Must.Select(c => Estimate(segment, c)).Where(e => e >= 0).DefaultIfEmpty(-1).Min(),
        _ => IndexFor(segment, condition)?.EstimateCount(condition) ?? -1,
    };

    private static List<uint>? Materialise(Segment segment, Condition condition, LocateId locate)
    {
        switch (condition)
        {
            case HasIdCondition h:
                var offsets = new List<uint>(h.Ids.Count);
                foreach (PointId id in h.Ids)
                {
                    if (locate(id, out PointLocation location) && location.SegmentId == segment.Id)
                    {
                        offsets.Add(location.Offset);
                    }
                }

                offsets.Sort();
                return offsets;
            case Filter f:
                return Candidates(segment, f, locate);
            default:
                return IndexFor(segment, condition)?.Candidates(condition);
        }
    }

    private static PayloadFieldIndex? IndexFor(Segment segment, Condition condition)
    {
        string? key = condition switch
        {
            MatchCondition m => m.Key,
            MatchAnyCondition m => m.Key,
            RangeCondition r => r.Key,
            DateTimeRangeCondition d => d.Key,
            TextCondition t => t.Key,
            _ => null,
        };
        return key is not null && segment.PayloadIndexes.TryGetValue(key, out PayloadFieldIndex? index) ? index : null;
    }
}
