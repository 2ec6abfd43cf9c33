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
            if (!rescore)
            {
                foreach (Scored hit in context.Results.Items)
                {
                    results.Add(hit.Distance, hit.Node);
                }

                return;
            }

            // The beam may hold more than the candidates to rescore: drop the farthest by code distance (the result
            // heap pops farthest first; a sort would allocate its comparer).
            DistanceHeap<FarthestFirst> best = context.Results;
            while (best.Count > candidates)
            {
                best.Pop();
            }

            if (_store.Metric == DistanceMetric.L2)
            {
                Rescore<FloatRowScorer<L2SquaredKernel>>(query, best.Items, context, results);
            }
            else
            {
                Rescore<FloatRowScorer<NegativeDotKernel>>(query, best.Items, context, results);
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
            (uint entry, int maxLevel) = graph.Entry;
            float distance = scorer.Distance(entry);
            entry = LayerSearch.Descend(graph, scorer, entry, ref distance, maxLevel, 1, (uint)limit, locks: null, context.Links);
            LayerSearch.Layer0(graph, scorer, filter, entry, distance, beam, limit, context, cancellationToken);
            return true;
        }
    }
}
