using System.Runtime.CompilerServices;
using VectorEngine.Distances.Engine;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Hnsw.Search;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Hnsw;

/// <summary>
/// Queries over quantized codes: the same traversal with the quantizer's scorer, then the best k · oversampling
/// candidates rescored with the float vectors (Qdrant's oversampling and rescoring).
/// </summary>
public sealed partial class HnswIndex
{
    /// <inheritdoc />
    public int RescoreCandidates(SearchParams parameters, int k)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_codes is null || !(parameters.Rescore ?? Parameters.Rescore))
        {
            return 0;
        }

        double oversampling = Math.Max(1.0, parameters.Oversampling ?? Parameters.Oversampling ?? _codes.DefaultOversampling);
        return Math.Max(k, (int)Math.Ceiling(k * oversampling));
    }

    private void SearchCodes<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, int ef, TFilter filter, TopKCollector results, CancellationToken cancellationToken)
        where TFilter : struct, IOffsetFilter
    {
        int k = results.K;
        double oversampling = Math.Max(1.0, parameters.Oversampling ?? Parameters.Oversampling ?? _codes!.DefaultOversampling);
        bool rescore = parameters.Rescore ?? Parameters.Rescore;
        int candidates = Math.Max(k, (int)Math.Ceiling(k * oversampling));
        int beam = Math.Max(ef, candidates);
        int limit = Math.Min(Count, _codes!.Count);
        (uint entry, _) = _graph.Entry;
        if (limit == 0 || entry == HnswGraph.NoNode)
        {
            return;
        }

        SearchContext context = _contexts.Get();
        try
        {
            var traversal = new CodeTraversal<TFilter>(_graph, filter, beam, limit, context, cancellationToken);
            _codes.Score<CodeTraversal<TFilter>, bool>(query, context.Scratch, ref traversal);

            // The beam may hold more than the candidates to rescore: keep the closest by code distance. An unfiltered
            // traversal leaves them sorted; the filtered one's result heap pops farthest first (a sort would allocate
            // its comparer).
            ReadOnlySpan<Scored> best;
            if (AcceptsAll(filter))
            {
                best = context.Beam.Items;
                best = best[..Math.Min(best.Length, rescore ? candidates : best.Length)];
            }
            else
            {
                DistanceHeap<FarthestFirst> heap = context.Results;
                while (rescore && heap.Count > candidates)
                {
                    heap.Pop();
                }

                best = heap.Items;
            }

            if (!rescore)
            {
                foreach (Scored hit in best)
                {
                    results.Add(hit.Distance, hit.Node);
                }

                return;
            }

            if (_store.Metric == DistanceMetric.L2)
            {
                Rescore<FloatRowScorer<L2SquaredKernel>>(query, best, context, results);
            }
            else
            {
                Rescore<FloatRowScorer<NegativeDotKernel>>(query, best, context, results);
            }
        }
        finally
        {
            _contexts.Return(context);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Rescore<TScorer>(ReadOnlySpan<float> query, ReadOnlySpan<Scored> candidates, SearchContext context, TopKCollector results)
        where TScorer : struct, IFloatScorer<TScorer>
    {
        int stride = _store.Stride;
        TScorer scorer = TScorer.Create(context.Query.Load(query, stride), _store.Base, stride);
        foreach (Scored candidate in candidates)
        {
            scorer.Prefetch(candidate.Node);
        }

        foreach (Scored candidate in candidates)
        {
            results.Add(scorer.Distance(candidate.Node), candidate.Node);
        }
    }

    /// <summary>The descent and layer-0 beam search, run with whatever scorer the quantizer hands over.</summary>
    private readonly struct CodeTraversal<TFilter>(HnswGraph graph, TFilter filter, int beam, int limit, SearchContext context, CancellationToken cancellationToken)
        : IScorerUser<bool>
        where TFilter : struct, IOffsetFilter
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Use<TScorer>(TScorer scorer)
            where TScorer : struct, IVectorScorer
        {
            if (HnswSearchStatistics.Counting)
            {
                Traverse(new CountingScorer<TScorer>(scorer));
            }
            else
            {
                Traverse(scorer);
            }

            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Traverse<TScorer>(TScorer scorer)
            where TScorer : struct, IVectorScorer
        {
            (uint entry, int maxLevel) = graph.Entry;
            float distance = scorer.Distance(entry);
            entry = LayerSearch.Descend(graph, scorer, entry, ref distance, maxLevel, 1, (uint)limit, locks: null, context.Links);
            if (AcceptsAll(filter))
            {
                LayerSearch.Layer0All(graph, scorer, entry, distance, beam, limit, context, cancellationToken);
            }
            else
            {
                LayerSearch.Layer0(graph, scorer, filter, entry, distance, beam, limit, context, cancellationToken);
            }
        }
    }
}
