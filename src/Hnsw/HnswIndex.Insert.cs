using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VectorEngine.Distances.Engine;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Hnsw.Search;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Hnsw;

/// <summary>Insertion (Algorithm 1) with the neighbour-selection heuristic (Algorithm 4).</summary>
public sealed partial class HnswIndex
{
    /// <summary>Below this many new points an add runs on the calling thread; the fork/join costs more than it saves.</summary>
    private const int ParallelAddThreshold = 256;

    /// <inheritdoc />
    /// <remarks>Rows are inserted on <see cref="HnswParameters.BuildThreads"/> threads; searches may run meanwhile.</remarks>
    public unsafe void Add(uint fromOffset)
    {
        int from = Math.Max((int)fromOffset, Count);
        int to = _store.Count;
        if (to <= from)
        {
            return;
        }

        if (to > _graph.Capacity)
        {
            int capacity = Math.Max(to, _graph.Capacity * 2);
            _graph.Grow(capacity);
            _locks.Grow(capacity);
        }

        // Levels are drawn in offset order before any insert, so one seed gives the same levels whatever the threads.
        long upper = 0;
        for (int node = from; node < to; node++)
        {
            int level = DrawLevel();
            upper += (long)level * _graph.UpperStride;
            _levels.Add(level);
        }

        _graph.ReserveUpper(upper + _graph.Raw().UpperUsed);
        for (int node = from; node < to; node++)
        {
            _graph.AssignLevel((uint)node, _levels[node - from]);
        }

        _levels.Clear();
        int threads = Parameters.BuildThreads > 0 ? Parameters.BuildThreads : Environment.ProcessorCount;

        // Codes first: a build on codes links the new rows by them, and a search reads no further than both counts.
        _codes?.Add((uint)from);
        var linker = new Linker(this, from, to, threads);
        if (_codes is null || !Parameters.BuildOnCodes || !_codes.TryUseRowSpace(ref linker))
        {
            if (_store.Metric == DistanceMetric.L2)
            {
                linker.Use<FloatRowSpace<L2SquaredKernel>, FloatRowScorer<L2SquaredKernel>>(new(_store.Base, _store.Stride));
            }
            else
            {
                linker.Use<FloatRowSpace<NegativeDotKernel>, FloatRowScorer<NegativeDotKernel>>(new(_store.Base, _store.Stride));
            }
        }

        Volatile.Write(ref _count, to);
    }

    private readonly List<int> _levels = [];

    private int DrawLevel()
    {
        // floor(-ln(U) * mL) with U in (0, 1]; capped where a byte holds it (never reached in practice).
        double u = 1.0 - _levelRandom.NextDouble();
        return (int)Math.Min(-Math.Log(u) * _levelMultiplier, 100);
    }

    /// <summary>Inserts a range of rows with whichever space it is handed: the float rows, or codes that offer one.</summary>
    private readonly struct Linker(HnswIndex index, int from, int to, int threads) : IRowSpaceUser<bool>
    {
        public bool Use<TSpace, TScorer>(TSpace space)
            where TSpace : struct, IRowSpace<TScorer>
            where TScorer : struct, IVectorScorer
        {
            index.InsertRange<TSpace, TScorer>(space, from, to, threads);
            return true;
        }
    }

    private void InsertRange<TSpace, TScorer>(TSpace space, int from, int to, int threads)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer
    {
        int next = from;
        if (Count == 0 && _graph.Entry.Node == HnswGraph.NoNode)
        {
            // The first node becomes the entry point alone, so the parallel inserts below always find one.
            SearchContext first = _contexts.Get();
            Insert<TSpace, TScorer>(space, (uint)from, (uint)to, first);
            _contexts.Return(first);
            next = from + 1;
        }

        if (threads <= 1 || to - next < ParallelAddThreshold)
        {
            SearchContext context = _contexts.Get();
            for (int node = next; node < to; node++)
            {
                Insert<TSpace, TScorer>(space, (uint)node, (uint)to, context);
            }

            _contexts.Return(context);
            return;
        }

        int cursor = next - 1;
        var workers = new Thread[threads];
        Exception? failure = null;
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                SearchContext context = _contexts.Get();
                try
                {
                    int node;
                    while ((node = Interlocked.Increment(ref cursor)) < to && failure is null)
                    {
                        Insert<TSpace, TScorer>(space, (uint)node, (uint)to, context);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    _contexts.Return(context);
                }
            })
            {
                IsBackground = true,
                Name = "hnsw-build",
            };
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("HNSW build failed.", failure);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Insert<TSpace, TScorer>(TSpace space, uint node, uint limit, SearchContext context)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer
    {
        // The stored row serves as the query as it is.
        TScorer scorer = space.From(node);
        int level = _graph.LevelOf(node);

        // Like hnswlib, an insert that raises the top level holds the entry gate throughout, so two such inserts never
        // race to become the entry point; the rest only read the entry under it.
        bool holdsGate = false;
        _entryGate.Enter();
        (uint entry, int maxLevel) = _graph.Entry;
        if (entry == HnswGraph.NoNode)
        {
            _graph.MarkReady(node);
            _graph.Entry = (node, level);
            _entryGate.Exit();
            return;
        }

        if (level > maxLevel)
        {
            holdsGate = true;
        }
        else
        {
            _entryGate.Exit();
        }

        try
        {
            float distance = scorer.Distance(entry);
            if (level < maxLevel)
            {
                entry = LayerSearch.Descend(_graph, scorer, entry, ref distance, maxLevel, level + 1, limit, _locks, context.Links);
            }

            for (int layer = Math.Min(level, maxLevel); layer >= 0; layer--)
            {
                LayerSearch.ForInsert(_graph, scorer, entry, distance, Parameters.EfConstruction, layer, limit, _locks, context);
                Scored closest = Connect<TSpace, TScorer>(space, node, layer, context);
                entry = closest.Node;
                distance = closest.Distance;
            }

            _graph.MarkReady(node);
            if (holdsGate)
            {
                _graph.Entry = (node, level);
            }
        }
        finally
        {
            if (holdsGate)
            {
                _entryGate.Exit();
            }
        }
    }

    /// <summary>
    /// Links <paramref name="node"/> to up to M of the search results chosen by the heuristic, and each of them back to
    /// it, pruning a neighbour's list with the same heuristic when it is full. Returns the closest result, the next
    /// layer's entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Scored Connect<TSpace, TScorer>(TSpace space, uint node, int layer, SearchContext context)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer
    {
        ReadOnlySpan<Scored> sorted = context.Beam.Items;
        Scored closest = sorted[0];
        List<Scored> chosen = context.Selected;
        SelectByHeuristic<TSpace, TScorer>(space, sorted, Parameters.M, chosen);

        // Publish this node's own list before anyone links to it: the count last.
        _locks.Enter(node);
        ref uint own = ref _graph.List(node, layer);
        for (int i = 0; i < chosen.Count; i++)
        {
            Unsafe.Add(ref own, i + 1) = chosen[i].Node;
        }

        Volatile.Write(ref own, (uint)chosen.Count);
        _locks.Exit(node);

        // The back links reuse Sorted and Selected, so keep this node's choice in the batch buffer.
        int chosenCount = chosen.Count;
        uint[] neighbours = context.Batch;
        Span<float> neighbourDistances = stackalloc float[chosenCount];
        for (int i = 0; i < chosenCount; i++)
        {
            neighbours[i] = chosen[i].Node;
            neighbourDistances[i] = chosen[i].Distance;
        }

        int maxLinks = _graph.MaxLinks(layer);
        for (int i = 0; i < chosenCount; i++)
        {
            LinkBack<TSpace, TScorer>(space, neighbours[i], node, neighbourDistances[i], layer, maxLinks, context);
        }

        return closest;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LinkBack<TSpace, TScorer>(TSpace space, uint neighbour, uint node, float distance, int layer, int maxLinks, SearchContext context)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer
    {
        _locks.Enter(neighbour);
        try
        {
            ref uint list = ref _graph.List(neighbour, layer);
            int count = (int)list;
            for (int i = 1; i <= count; i++)
            {
                if (Unsafe.Add(ref list, i) == node)
                {
                    return;
                }
            }

            if (count < maxLinks)
            {
                Unsafe.Add(ref list, count + 1) = node;
                Volatile.Write(ref list, (uint)(count + 1));
                return;
            }

            // Full: re-select among the old links and the new node, by distance to the neighbour.
            TScorer scorer = space.From(neighbour);
            List<Scored> sorted = context.Sorted;
            sorted.Clear();
            sorted.Add(new Scored(distance, node));
            for (int i = 1; i <= count; i++)
            {
                uint link = Unsafe.Add(ref list, i);
                scorer.Prefetch(link);
            }

            for (int i = 1; i <= count; i++)
            {
                uint link = Unsafe.Add(ref list, i);
                sorted.Add(new Scored(scorer.Distance(link), link));
            }

            sorted.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
            List<Scored> kept = context.Selected;
            SelectByHeuristic<TSpace, TScorer>(space, CollectionsMarshal.AsSpan(sorted), maxLinks, kept);
            for (int i = 0; i < kept.Count; i++)
            {
                Unsafe.Add(ref list, i + 1) = kept[i].Node;
            }

            Volatile.Write(ref list, (uint)kept.Count);
        }
        finally
        {
            _locks.Exit(neighbour);
        }
    }

    /// <summary>
    /// The paper's heuristic (Algorithm 4, as hnswlib's getNeighborsByHeuristic2): walking candidates closest first,
    /// keep one only if it is closer to the base than to every one already kept. This keeps links pointing in different
    /// directions, which is what lets greedy search leave a cluster.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SelectByHeuristic<TSpace, TScorer>(TSpace space, ReadOnlySpan<Scored> sortedCandidates, int m, List<Scored> selected)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer
    {
        selected.Clear();
        if (sortedCandidates.Length <= m)
        {
            foreach (Scored candidate in sortedCandidates)
            {
                selected.Add(candidate);
            }

            return;
        }

        foreach (Scored candidate in sortedCandidates)
        {
            TScorer fromCandidate = space.From(candidate.Node);
            bool diverse = true;
            foreach (Scored kept in selected)
            {
                if (fromCandidate.Distance(kept.Node) < candidate.Distance)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                selected.Add(candidate);
                if (selected.Count >= m)
                {
                    break;
                }
            }
        }
    }
}
