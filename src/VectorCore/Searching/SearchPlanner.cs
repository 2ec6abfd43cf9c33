using VectorEngine.Filters;
using VectorEngine.Filters.Planning;
using VectorEngine.Segments;

namespace VectorEngine.Searching;

/// <summary>
/// Chooses, per segment, how a search runs: skipped, scanned exactly (all live points, or the filter's matches), or
/// through the vector index. Without a filter the index is used unless the search asks for exact results or the index
/// is exact anyway. With one, the matches are estimated from payload indexes (or a sample) and the cheaper of a scan
/// of the matches and the index's own <see cref="Indexing.IVectorIndex.EstimateSearchCost"/> wins; the planner knows
/// nothing of how any index works.
/// </summary>
internal static class SearchPlanner
{
    /// <summary>Plans the search of one segment.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="request">The search.</param>
    /// <param name="exactFilterThreshold">A fixed match count under which filtered searches scan (null: by cost).</param>
    /// <param name="locate">Resolves has-id conditions to offsets.</param>
    public static SegmentPlan Plan(Segment segment, SearchRequest request, int? exactFilterThreshold, FilterPlanner.LocateId locate)
    {
        if (segment.LiveCount == 0)
        {
            return new SegmentPlan(segment, SegmentPlanKind.Skip, null, 0);
        }

        bool exactOnly = request.Params.Exact || segment.Index.IsExact;
        if (request.Filter is not { } filter)
        {
            return new SegmentPlan(segment, exactOnly ? SegmentPlanKind.ExactAll : SegmentPlanKind.Index, null, segment.LiveCount);
        }

        // The estimate is an upper bound or a sample, so a set that turns out small after all is still found by the
        // index: a filtered traversal keeps going until it holds a full beam of accepted points.
        long estimate = FilterPlanner.EstimateMatches(segment, filter);
        bool scan = exactOnly || (exactFilterThreshold is { } threshold
            ? estimate <= threshold
            : estimate <= segment.Index.EstimateSearchCost(request.Params, request.Limit, segment.Count, estimate));
        if (!scan)
        {
            return new SegmentPlan(segment, SegmentPlanKind.Index, null, estimate);
        }

        List<uint> matching = MatchingOffsets(segment, filter, locate);
        return new SegmentPlan(segment, matching.Count == 0 ? SegmentPlanKind.Skip : SegmentPlanKind.ExactMatching, matching, estimate);
    }

    /// <summary>Live offsets in <paramref name="segment"/> that pass the filter, ascending.</summary>
    public static List<uint> MatchingOffsets(Segment segment, Filter filter, FilterPlanner.LocateId locate)
    {
        List<uint>? candidates = FilterPlanner.Candidates(segment, filter, locate);
        var result = new List<uint>();
        if (candidates is not null)
        {
            foreach (uint offset in candidates)
            {
                if (segment.IsLive(offset) && filter.Matches(segment, offset))
                {
                    result.Add(offset);
                }
            }
        }
        else
        {
            for (uint offset = 0; offset < segment.Count; offset++)
            {
                if (segment.IsLive(offset) && filter.Matches(segment, offset))
                {
                    result.Add(offset);
                }
            }
        }

        return result;
    }
}
