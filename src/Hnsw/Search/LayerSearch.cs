using System.Runtime.CompilerServices;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Hnsw.Search;

/// <summary>
/// The two searches of the paper: a greedy descent (ef = 1) through the upper layers, and the beam search of one layer
/// (SEARCH-LAYER, Algorithm 2). Generic over struct scorers and filters so each combination compiles to its own loop.
/// </summary>
internal static class LayerSearch
{
    /// <summary>
    /// Greedy walk from <paramref name="node"/> down through layers <paramref name="fromLayer"/> .. <paramref name="toLayer"/>
    /// (inclusive): on each layer, move to the closest neighbour until none is closer.
    /// </summary>
    /// <remarks>
    /// <c>locks</c> are the node locks to read lists under (inserts), or null (queries read lock-free); <c>copy</c>
    /// receives each list; nodes at or past <c>limit</c> are skipped.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Descend<TScorer>(HnswGraph graph, TScorer scorer, uint node, ref float distance, int fromLayer, int toLayer,
        uint limit, NodeLocks? locks, uint[] copy)
        where TScorer : struct, IVectorScorer
    {
        for (int layer = fromLayer; layer >= toLayer; layer--)
        {
            bool moved = true;
            while (moved)
            {
                moved = false;
                int n = ReadList(graph, node, layer, locks, copy);
                for (int i = 0; i < n; i++)
                {
                    uint next = copy[i];
                    if (next >= limit || !graph.IsReady(next))
                    {
                        continue;
                    }

                    float d = scorer.Distance(next);
                    if (d < distance)
                    {
                        distance = d;
                        node = next;
                        moved = true;
                    }
                }
            }
        }

        return node;
    }

    /// <summary>
    /// Beam search of layer 0 for a query. Nodes the filter rejects still route (they enter the candidate queue) but
    /// never enter the results, and the search runs until it holds <paramref name="ef"/> accepted nodes or runs out of
    /// closer candidates, so a filter widens the search instead of starving it (hnswlib's filtered search).
    /// Leaves the results in <see cref="SearchContext.Results"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Layer0<TScorer, TFilter>(HnswGraph graph, TScorer scorer, TFilter filter, uint entry, float entryDistance,
        int ef, int limit, SearchContext context, CancellationToken cancellationToken)
        where TScorer : struct, IVectorScorer
        where TFilter : struct, IOffsetFilter
    {
        VisitedSet visited = context.Visited;
        int expanded = 0;
        DistanceHeap<ClosestFirst> candidates = context.Candidates;
        DistanceHeap<FarthestFirst> results = context.Results;
        uint[] batch = context.Batch;
        visited.Reset(limit);
        candidates.Clear();
        results.Clear();

        visited.TryVisit(entry);
        candidates.Push(entryDistance, entry);
        float bound = float.MaxValue;
        if (filter.Accept(entry))
        {
            results.Push(entryDistance, entry);
            bound = entryDistance;
        }

        while (candidates.Count > 0)
        {
            Scored current = candidates.Top;
            if (current.Distance > bound && results.Count >= ef)
            {
                break;
            }

            candidates.Pop();

            // A selective filter can send the beam through most of the graph: a server call's deadline stops it.
            if ((++expanded & 255) == 0 && cancellationToken.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (candidates.Count > 0)
            {
                // The next expansion's list is likely the next candidate's: start fetching it now (hnswlib does too).
                PrefetchList(ref graph.List0(candidates.Top.Node));
            }

            int fresh = CollectUnvisited(graph, current.Node, visited, scorer, batch);

            for (int i = 0; i < fresh; i++)
            {
                uint neighbour = batch[i];
                float d = scorer.Distance(neighbour);
                if (results.Count < ef || d < bound)
                {
                    candidates.Push(d, neighbour);
                    if (filter.Accept(neighbour))
                    {
                        bound = Keep(results, ef, d, neighbour);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Beam search of layer 0 when every node may be returned (no filter, no tombstone): one sorted beam
    /// (<see cref="BeamBuffer"/>) instead of two heaps. Leaves the results, closest first, in
    /// <see cref="SearchContext.Beam"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Layer0All<TScorer>(HnswGraph graph, TScorer scorer, uint entry, float entryDistance, int ef, int limit,
        SearchContext context, CancellationToken cancellationToken)
        where TScorer : struct, IVectorScorer
    {
        VisitedSet visited = context.Visited;
        BeamBuffer beam = context.Beam;
        uint[] batch = context.Batch;
        visited.Reset(limit);
        beam.Reset(ef);
        visited.TryVisit(entry);
        beam.Insert(entryDistance, entry);
        int expanded = 0;
        while (beam.TryNext(out uint current))
        {
            if ((++expanded & 255) == 0 && cancellationToken.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (beam.PeekNext(out uint next))
            {
                PrefetchList(ref graph.List0(next));
            }

            int fresh = CollectUnvisited(graph, current, visited, scorer, batch);

            Offer(beam, scorer, batch, fresh);
        }

        beam.Finish();
    }

    /// <summary>
    /// Beam search of any layer while inserting: no filter, lists read under their node's lock. Leaves the
    /// <paramref name="ef"/> closest, closest first, in <see cref="SearchContext.Beam"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForInsert<TScorer>(HnswGraph graph, TScorer scorer, uint entry, float entryDistance, int ef, int layer,
        uint limit, NodeLocks locks, SearchContext context)
        where TScorer : struct, IVectorScorer
    {
        VisitedSet visited = context.Visited;
        BeamBuffer beam = context.Beam;
        uint[] links = context.Links;
        visited.Reset((int)limit);
        beam.Reset(ef);
        visited.TryVisit(entry);
        beam.Insert(entryDistance, entry);
        while (beam.TryNext(out uint current))
        {
            int count = ReadList(graph, current, layer, locks, links);
            int fresh = 0;
            for (int i = 0; i < count; i++)
            {
                uint neighbour = links[i];
                if (graph.IsReady(neighbour) && visited.TryVisit(neighbour))
                {
                    scorer.Prefetch(neighbour);
                    links[fresh++] = neighbour;
                }
            }

            Offer(beam, scorer, links, fresh);
        }

        beam.Finish();
    }

    /// <summary>
    /// Copies the unvisited layer-0 neighbours of <paramref name="node"/> into <paramref name="batch"/> (marking them)
    /// and prefetches their rows before any is scored, so the memory loads of the whole batch overlap instead of each
    /// distance waiting for its own cache misses. Returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CollectUnvisited<TScorer>(HnswGraph graph, uint node, VisitedSet visited, TScorer scorer, uint[] batch)
        where TScorer : struct, IVectorScorer
    {
        ref uint list = ref graph.List0(node);
        int count = (int)Volatile.Read(ref list);
        int fresh = 0;
        for (int i = 1; i <= count; i++)
        {
            uint neighbour = Unsafe.Add(ref list, i);
            if (visited.TryVisit(neighbour))
            {
                scorer.Prefetch(neighbour);
                batch[fresh++] = neighbour;
            }
        }

        return fresh;
    }

    /// <summary>Scores the first <paramref name="count"/> of <paramref name="nodes"/> (prefetched) and offers each to the beam.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer<TScorer>(BeamBuffer beam, TScorer scorer, uint[] nodes, int count)
        where TScorer : struct, IVectorScorer
    {
        for (int i = 0; i < count; i++)
        {
            uint node = nodes[i];
            float d = scorer.Distance(node);
            if (d < beam.Bound)
            {
                beam.Insert(d, node);
            }
        }
    }

    /// <summary>Adds a result to the bounded set (replacing the worst when full) and returns the new bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Keep(DistanceHeap<FarthestFirst> results, int ef, float distance, uint node)
    {
        if (results.Count < ef)
        {
            results.Push(distance, node);
        }
        else
        {
            results.ReplaceTop(distance, node);
        }

        return results.Top.Distance;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchList(ref uint list)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref list));
        }
    }

    /// <summary>Copies a list into <paramref name="copy"/> (under the node's lock when given) and returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadList(HnswGraph graph, uint node, int layer, NodeLocks? locks, uint[] copy)
    {
        locks?.Enter(node);
        ref uint list = ref graph.List(node, layer);
        int count = Math.Min((int)Volatile.Read(ref list), graph.MaxLinks(layer));
        for (int i = 0; i < count; i++)
        {
            copy[i] = Unsafe.Add(ref list, i + 1);
        }

        locks?.Exit(node);
        return count;
    }
}
