using System.Runtime.InteropServices;
using VectorEngine.Filters;
using VectorEngine.Indexing;
using VectorEngine.Segments;

namespace VectorEngine.Searching;

/// <summary>Runs one segment's plan into a collector; cancellable inside exact scans and index traversals.</summary>
internal static class SegmentSearcher
{
    /// <summary>Offers the plan's nearest accepted offsets to <paramref name="results"/>.</summary>
    /// <param name="plan">The segment and how to search it.</param>
    /// <param name="query">The query, preprocessed for the metric.</param>
    /// <param name="request">The search.</param>
    /// <param name="parameters">The index's search parameters: the request's, or a warm segment's code-only version of them.</param>
    /// <param name="results">Receives (distance, offset) pairs.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    public static void Run(in SegmentPlan plan, ReadOnlySpan<float> query, SearchRequest request, SearchParams parameters, TopKCollector results, CancellationToken cancellationToken)
    {
        Segment segment = plan.Segment;
        switch (plan.Kind)
        {
            case SegmentPlanKind.ExactAll:
                ExactScan.All(segment.Store, query, new LiveFilter(segment.Deleted), results, cancellationToken);
                break;
            case SegmentPlanKind.ExactMatching:
                ExactScan.Gather(segment.Store, query, CollectionsMarshal.AsSpan(plan.Matching), results, cancellationToken);
                break;
            case SegmentPlanKind.Index when request.Filter is null:
                segment.Index.Search(query, parameters, new LiveFilter(segment.Deleted), results, cancellationToken);
                break;
            case SegmentPlanKind.Index:
                segment.Index.Search(query, parameters, new PayloadFilter(segment, request.Filter), results, cancellationToken);
                break;
        }
    }

    /// <summary>Accepts live offsets whose point passes the filter, evaluated when the traversal reaches them.</summary>
    private readonly struct PayloadFilter(Segment segment, Filter filter) : IOffsetFilter
    {
        public bool Accept(uint offset) =>
            segment.IsLive(offset) && filter.Matches(segment, offset);
    }
}
