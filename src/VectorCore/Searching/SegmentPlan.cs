using VectorEngine.Segments;

namespace VectorEngine.Searching;

/// <summary>How one segment is searched.</summary>
internal enum SegmentPlanKind
{
    /// <summary>Nothing in it can match (no live points, or no point passes the filter).</summary>
    Skip,

    /// <summary>Every live point scanned exactly.</summary>
    ExactAll,

    /// <summary>The points that pass the filter, listed in <see cref="SegmentPlan.Matching"/>, scanned exactly.</summary>
    ExactMatching,

    /// <summary>The vector index, with tombstones (and the filter, when there is one) tested inside its traversal.</summary>
    Index,
}

/// <summary>The planner's choice for one segment, with the cost estimates it was chosen on.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="Kind">How it is searched.</param>
/// <param name="Matching">For <see cref="SegmentPlanKind.ExactMatching"/>: live offsets that pass the filter, ascending.</param>
/// <param name="EstimatedMatches">The planner's estimate of the points that pass the filter.</param>
internal readonly record struct SegmentPlan(Segment Segment, SegmentPlanKind Kind, List<uint>? Matching, long EstimatedMatches);
