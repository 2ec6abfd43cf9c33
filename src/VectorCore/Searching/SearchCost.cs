namespace VectorEngine.Searching;

/// <summary>
/// Costs in distance computations, the unit the planner compares plans in. An exact scan of m points costs m; an index
/// says what a search of it costs through <see cref="Indexing.IVectorIndex.EstimateSearchCost"/>, whose default is
/// <see cref="FilteredTraversal"/>.
/// </summary>
public static class SearchCost
{
    /// <summary>Calibration of <see cref="FilteredTraversal"/>: the square of the measured break-even factor 2.5.</summary>
    private const double TraversalFactor = 6.25;

    /// <summary>
    /// A best-first traversal (a graph's beam search) that must collect <paramref name="beam"/> accepted points among
    /// <paramref name="points"/> when <paramref name="matches"/> of them pass the filter.
    /// </summary>
    /// <remarks>
    /// It visits about c·ef nodes per accepted one it meets, and meets one in n/m, so it costs about c·ef·n/m distances
    /// against the m of scanning the matches: the scan wins while m &lt; √(c·ef·n) = 2.5·√(n·ef). c = 6.25 is measured
    /// (bench ann, ef=64, forced exact vs forced graph): fashion-mnist-784 (n = 60,000) broke even at 8% = 4,800 matches
    /// (formula 4,899); SIFT-10k (n = 9,000, 128-d) between 20% and 35% (formula 1,897, 21%).
    /// </remarks>
    /// <param name="points">Rows in the segment.</param>
    /// <param name="beam">The search's beam, at least k.</param>
    /// <param name="matches">Rows that pass the filter (all of them without one).</param>
    public static double FilteredTraversal(long points, int beam, long matches) =>
        TraversalFactor * beam * points / Math.Max(1, matches);

    /// <summary>The most matches for which scanning them beats <see cref="FilteredTraversal"/>: 2.5·√(n·beam).</summary>
    /// <param name="points">Rows in the segment.</param>
    /// <param name="beam">The search's beam, at least k.</param>
    public static long ExactScanLimit(long points, int beam) => (long)Math.Sqrt(TraversalFactor * points * beam);
}
