using System.Runtime.CompilerServices;
using VectorEngine.Distances.Engine;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Hnsw.Search;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Hnsw;

/// <summary>Queries.</summary>
public sealed partial class HnswIndex
{
    /// <inheritdoc />
    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results)
        where TFilter : struct, IOffsetFilter =>
        Search(query, parameters, filter, results, CancellationToken.None);

    /// <inheritdoc />
    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results, CancellationToken cancellationToken)
        where TFilter : struct, IOffsetFilter
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(results);
        int ef = Math.Max(parameters.Ef ?? Parameters.Ef, results.K);
        if (_codes is not null)
        {
            SearchCodes(query, parameters, ef, filter, results, cancellationToken);
            return;
        }

        if (_store.Metric == DistanceMetric.L2)
        {
            SearchWith<FloatRowScorer<L2SquaredKernel>, TFilter>(query, ef, filter, results, cancellationToken);
        }
        else
        {
            SearchWith<FloatRowScorer<NegativeDotKernel>, TFilter>(query, ef, filter, results, cancellationToken);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void SearchWith<TScorer, TFilter>(ReadOnlySpan<float> query, int ef, TFilter filter, TopKCollector results, CancellationToken cancellationToken)
        where TScorer : struct, IFloatScorer<TScorer>
        where TFilter : struct, IOffsetFilter
    {
        int limit = Count;
        (uint entry, int maxLevel) = _graph.Entry;
        if (limit == 0 || entry == HnswGraph.NoNode)
        {
            return;
        }

        SearchContext context = _contexts.Get();
        try
        {
            int stride = _store.Stride;
            TScorer scorer = TScorer.Create(context.Query.Load(query, stride), _store.Base, stride);
            if (HnswSearchStatistics.Counting)
            {
                Traverse(new CountingScorer<TScorer>(scorer), ef, filter, limit, maxLevel, entry, context, results, cancellationToken);
            }
            else
            {
                Traverse(scorer, ef, filter, limit, maxLevel, entry, context, results, cancellationToken);
            }
        }
        finally
        {
            _contexts.Return(context);
        }
    }

    /// <summary>The descent and the layer-0 beam search with <paramref name="scorer"/>, results into <paramref name="results"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Traverse<TScorer, TFilter>(TScorer scorer, int ef, TFilter filter, int limit, int maxLevel, uint entry, SearchContext context,
        TopKCollector results, CancellationToken cancellationToken)
        where TScorer : struct, IVectorScorer
        where TFilter : struct, IOffsetFilter
    {
        float distance = scorer.Distance(entry);
        entry = LayerSearch.Descend(_graph, scorer, entry, ref distance, maxLevel, 1, (uint)limit, locks: null, context.Links);
        if (AcceptsAll(filter))
        {
            LayerSearch.Layer0All(_graph, scorer, entry, distance, ef, limit, context, cancellationToken);
            foreach (Scored hit in context.Beam.Items)
            {
                results.Add(hit.Distance, hit.Node);
            }

            return;
        }

        LayerSearch.Layer0(_graph, scorer, filter, entry, distance, ef, limit, context, cancellationToken);
        foreach (Scored hit in context.Results.Items)
        {
            results.Add(hit.Distance, hit.Node);
        }
    }

    /// <summary>True when the filter lets every node through (tombstones only, and none set): the search needs no test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AcceptsAll<TFilter>(TFilter filter)
        where TFilter : struct, IOffsetFilter =>
        typeof(TFilter) == typeof(LiveFilter) && Unsafe.As<TFilter, LiveFilter>(ref filter).AcceptsAll;
}
