using VectorEngine.Hnsw.Search;

namespace VectorEngine.Hnsw;

/// <summary>
/// Work counters of HNSW searches (FAISS keeps the same figure in <c>hnsw_stats.ndis</c>): how many vectors a search
/// scored. A capacity model needs it to tell how much of a query's time is the graph's work, which grows slowly with
/// the index, from what each scored vector costs, which jumps when the index outgrows a cache.
/// </summary>
/// <remarks>
/// Off by default, and searches then run exactly the code they run without it. While <see cref="Counting"/> is on,
/// each search scores through a counting wrapper (a few percent slower), adding to a counter of the thread it runs on;
/// searches the engine fans out to other threads (several segments in parallel) count on those threads. Turn it on,
/// search on one thread, read <see cref="DistancesOnCurrentThread"/> before and after, and turn it off: time searches
/// with it off.
/// </remarks>
public static class HnswSearchStatistics
{
    private static volatile bool s_counting;

    /// <summary>Whether searches count the distances they compute (process-wide; off by default).</summary>
    public static bool Counting
    {
        get => s_counting;
        set => s_counting = value;
    }

    /// <summary>Distances computed by HNSW searches run on the calling thread while <see cref="Counting"/> was on.</summary>
    public static long DistancesOnCurrentThread => CountingTotals.t_distances;

    /// <summary>
    /// Where the scored vectors were: while counting, each distance computed on the calling thread also adds one to
    /// <paramref name="tally"/> at the scored row's offset in its index (rows past the tally's end are not tallied), or
    /// nothing when <paramref name="tally"/> is null. How unevenly a graph search reads its rows decides how much of an
    /// index larger than a cache the cache still serves: hub nodes and the upper layers' entry points are read by most
    /// queries, most rows by few.
    /// </summary>
    /// <param name="tally">One counter per row of the searched index, or null to stop tallying.</param>
    /// <remarks>Offsets are per index: a collection of several segments adds every segment's rows at the same offsets, so
    /// tally a collection of one segment.</remarks>
    public static void TallyVisitsOnCurrentThread(int[]? tally) => CountingTotals.t_visits = tally;
}
