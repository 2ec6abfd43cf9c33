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
}
