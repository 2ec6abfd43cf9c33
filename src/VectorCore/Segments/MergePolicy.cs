namespace VectorEngine.Segments;

/// <summary>
/// Which sealed segments an optimizer pass rewrites: those whose deleted fraction reaches the threshold, and small
/// ones, smallest first, while their live points fit in one segment's bounds.
/// </summary>
internal static class MergePolicy
{
    /// <summary>The segments to merge into one; empty when a pass has nothing worth doing.</summary>
    /// <param name="persisted">The sealed segments the manifest names.</param>
    /// <param name="options">Thresholds and segment bounds.</param>
    /// <param name="dimension">Floats per vector (for the byte bound).</param>
    public static List<Segment> Pick(IEnumerable<Segment> persisted, VectorDatabaseOptions options, int dimension)
    {
        var sealedSegments = persisted.ToList();
        var picked = sealedSegments
            .Where(s => s.Count > 0 && s.DeletedCount >= options.OptimizerDeletedFraction * s.Count)
            .ToList();
        var small = sealedSegments.Where(s => s.LiveCount < options.OptimizerSmallSegmentPoints && !picked.Contains(s)).ToList();
        if (small.Count >= 2 || (small.Count == 1 && picked.Count > 0))
        {
            picked.AddRange(small);
        }

        // Many big segments past the delete threshold must not merge into one unbounded segment.
        var bounded = new List<Segment>();
        long live = 0;
        long rowBytes = (long)GrowableVectorStore.StrideFor(dimension) * sizeof(float);
        long cap = Math.Max(Math.Min(options.MaxSegmentPoints, options.MaxSegmentBytes / rowBytes), options.MaxMutableSegmentPoints);
        foreach (Segment segment in picked.OrderBy(s => s.LiveCount))
        {
            if (bounded.Count > 0 && live + segment.LiveCount > cap)
            {
                break;
            }

            bounded.Add(segment);
            live += segment.LiveCount;
        }

        // One small segment alone gains nothing from being rewritten.
        return bounded.Count == 1 && bounded[0].DeletedCount == 0 ? [] : bounded;
    }
}
