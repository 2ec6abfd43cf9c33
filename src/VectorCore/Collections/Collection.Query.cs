using VectorEngine.Diagnostics;
using VectorEngine.Filters;
using VectorEngine.Hybrid;

namespace VectorEngine;

/// <summary>Hybrid queries: several stages fused into one ranking.</summary>
public sealed partial class Collection
{
    /// <summary>Runs each stage, fuses their rankings, and returns the best <see cref="HybridQuery.Limit"/> points.</summary>
    /// <param name="query">The stages and the fusion.</param>
    /// <param name="cancellationToken">Checked between and within stages.</param>
    /// <exception cref="VectorEngineArgumentException">A stage, the fusion or the limit is out of range; a text stage names a field without a text index.</exception>
    /// <exception cref="InvalidFilterException">A filter is malformed.</exception>
    /// <remarks>Each stage sees the collection as it is when the stage runs: a write may land between two stages.</remarks>
    public IReadOnlyList<FusedPoint> Query(HybridQuery query, CancellationToken cancellationToken = default)
    {
        ValidateQuery(query);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using System.Diagnostics.Activity? activity = EngineTelemetry.Source.StartActivity("vectorengine.query");
        activity?.SetTag("vectorengine.collection", Name);
        activity?.SetTag("vectorengine.stages", query.Prefetch.Count);
        FetchAllCold();
        IReadOnlyList<FusedPoint> results = WithResidentSegments(() => RunQuery(query, cancellationToken));
        EngineTelemetry.Searches.Add(1, EngineTelemetry.Collection(Name), EngineTelemetry.Kind("hybrid"));
        EngineTelemetry.SearchDuration.Record(EngineTelemetry.MillisecondsSince(start), EngineTelemetry.Collection(Name), EngineTelemetry.Kind("hybrid"));
        return results;
    }

    private List<FusedPoint> RunQuery(HybridQuery query, CancellationToken cancellationToken)
    {
        int count = query.Prefetch.Count;
        var stages = new IReadOnlyList<(PointId, float)>[count];
        var raw = new IReadOnlyList<float>[count];
        for (int s = 0; s < count; s++)
        {
            Prefetch stage = query.Prefetch[s];
            Filter? filter = Combine(query.Filter, stage.Filter);
            IReadOnlyList<ScoredPoint> hits = stage switch
            {
                VectorPrefetch v => Search(new SearchRequest(v.Vector, v.Limit) { Text = v.Text, Filter = filter, Params = v.Params, WithPayload = false }, cancellationToken),
                TextPrefetch t => SearchText(new TextSearchRequest(t.Field, t.Query, t.Limit) { Filter = filter, Bm25 = t.Bm25, WithPayload = false }, cancellationToken),
                _ => throw new VectorEngineArgumentException($"Unknown stage type {stage.GetType().Name}.", "prefetch"),
            };

            // Squared L2 is lower-is-better; everything else (cosine, inner product, BM25) is higher-is-better.
            bool lowerIsBetter = stage is VectorPrefetch && Metric == DistanceMetric.L2;
            stages[s] = hits.Select(h => (h.Id, lowerIsBetter ? -h.Score : h.Score)).ToArray();
            raw[s] = hits.Select(h => h.Score).ToArray();
        }

        var fused = StageFusion.Fuse(stages, raw, query.Prefetch.Select(p => p.Weight).ToArray(), query.Fusion, query.Limit);
        Dictionary<PointId, PointRecord> records = query.WithPayload || query.WithVector
            ? Get(fused.Select(f => f.Id), query.WithPayload, query.WithVector).ToDictionary(r => r.Id)
            : [];
        var results = new List<FusedPoint>(fused.Count);
        foreach ((PointId id, double score, float?[] scores, int[] ranks) in fused)
        {
            PointRecord? record = records.GetValueOrDefault(id);
            if ((query.WithPayload || query.WithVector) && record is null)
            {
                continue; // Deleted after its stage ran.
            }

            results.Add(new FusedPoint(id, score, scores, ranks, record?.Payload, record?.Vector));
        }

        return results;
    }

    private static Filter? Combine(Filter? shared, Filter? own) =>
        shared is null ? own : own is null ? shared : new Filter { Must = { shared, own } };

    private static void ValidateQuery(HybridQuery? query)
    {
        if (query is null)
        {
            ThrowHelper.ThrowArgument("query", "query is null.");
        }

        if (query.Prefetch is null || query.Prefetch.Count is < 1 or > HybridQuery.MaxStages)
        {
            ThrowHelper.ThrowArgument("prefetch", $"A hybrid query holds 1 to {HybridQuery.MaxStages} stages.");
        }

        if (query.Limit is < 1 or > MaxLimit)
        {
            ThrowHelper.ThrowArgument("limit", $"Query limit must be 1 to {MaxLimit}; got {query.Limit}.");
        }

        if (query.Fusion is null)
        {
            ThrowHelper.ThrowArgument("fusion", "fusion is null.");
        }

        query.Fusion.Validate();
        query.Filter?.Validate();
        foreach (Prefetch? stage in query.Prefetch)
        {
            if (stage is null)
            {
                ThrowHelper.ThrowArgument("prefetch", "A stage is null.");
            }

            if (!double.IsFinite(stage.Weight) || stage.Weight <= 0 || stage.Weight > 1_000)
            {
                ThrowHelper.ThrowArgument("prefetch", $"A stage's weight must be positive and at most 1,000; got {stage.Weight}.");
            }
        }
    }
}
