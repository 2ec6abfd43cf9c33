using VectorEngine.Api.V1;
using EngineFusion = VectorEngine.Fusion;
using EngineFusedPoint = VectorEngine.FusedPoint;
using WireFusion = VectorEngine.Api.V1.Fusion;
using WireFusedPoint = VectorEngine.Api.V1.FusedPoint;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Hybrid queries between the wire and the engine; the engine validates limits, weights and stages afterwards.</summary>
internal static class QueryMapping
{
    public static HybridQuery ToEngine(this QueryPoints query)
    {
        var stages = new Prefetch[query.Prefetch.Count];
        for (int i = 0; i < stages.Length; i++)
        {
            stages[i] = ToEngine(query.Prefetch[i], $"prefetch[{i}]");
        }

        return new HybridQuery(Limit(query.Limit, "limit"), stages)
        {
            Fusion = query.Fusion.ToEngine(),
            Filter = query.Filter.ToEngine("filter"),
            WithPayload = query.WithPayload,
            WithVector = query.WithVectors,
        };
    }

    public static QueryPoints ToWire(this HybridQuery query, string collection)
    {
        var wire = new QueryPoints
        {
            CollectionName = collection,
            Limit = (ulong)Math.Max(0, query.Limit),
            Filter = query.Filter.ToWire(),
            WithPayload = query.WithPayload,
            WithVectors = query.WithVector,
            Fusion = query.Fusion is ReciprocalRankFusion rrf
                ? new WireFusion { Rrf = new Rrf { K = (uint)Math.Max(0, rrf.K) } }
                : new WireFusion { Weighted = new WeightedScores() },
        };
        foreach (Prefetch stage in query.Prefetch)
        {
            var wireStage = new PrefetchStage { Limit = (ulong)Math.Max(0, stage.Limit), Filter = stage.Filter.ToWire(), Weight = stage.Weight };
            switch (stage)
            {
                case VectorPrefetch v:
                    wireStage.Vector = new VectorStage { Vector = { v.Vector }, Params = v.Params.ToWire(), Text = v.Text ?? "" };
                    break;
                case TextPrefetch t:
                    wireStage.Text = new TextStage { Field = t.Field, Query = t.Query, K1 = t.Bm25.K1, B = t.Bm25.B };
                    break;
            }

            wire.Prefetch.Add(wireStage);
        }

        return wire;
    }

    public static WireFusedPoint ToWire(this EngineFusedPoint point)
    {
        var wire = new WireFusedPoint { Id = point.Id.ToWire(), Score = point.Score };
        for (int s = 0; s < point.StageRanks.Count; s++)
        {
            var stage = new StageScore { Rank = (uint)point.StageRanks[s] };
            if (point.StageScores[s] is { } score)
            {
                stage.Score = score;
            }

            wire.Stages.Add(stage);
        }

        point.Payload.CopyTo(wire.Payload);
        if (point.Vector is { } vector)
        {
            wire.Vector.Add(vector);
        }

        return wire;
    }

    public static EngineFusedPoint ToEngine(this WireFusedPoint point) => new(
        point.Id.ToEngine("id"),
        point.Score,
        point.Stages.Select(s => s.HasScore ? s.Score : (float?)null).ToArray(),
        point.Stages.Select(s => (int)s.Rank).ToArray(),
        point.Payload.Count > 0 ? point.Payload.ToEngine("payload") : null,
        point.Vector.Count > 0 ? point.Vector.ToArray() : null);

    private static Prefetch ToEngine(PrefetchStage stage, string field)
    {
        Prefetch engine = stage.StageCase switch
        {
            PrefetchStage.StageOneofCase.Vector => new VectorPrefetch(stage.Vector.Vector.ToArray(), Limit(stage.Limit, $"{field}.limit"))
            {
                Params = stage.Vector.Params.ToEngine($"{field}.vector.params"),
                Text = stage.Vector.Text.Length > 0 ? stage.Vector.Text : null,
            },
            PrefetchStage.StageOneofCase.Text => new TextPrefetch(stage.Text.Field, stage.Text.Query, Limit(stage.Limit, $"{field}.limit"))
            {
                Bm25 = new Bm25Parameters(stage.Text.HasK1 ? stage.Text.K1 : 1.2, stage.Text.HasB ? stage.Text.B : 0.75),
            },
            _ => throw new VectorEngineArgumentException($"{field} is empty: set vector or text.", field),
        };
        return engine with { Filter = stage.Filter.ToEngine($"{field}.filter"), Weight = stage.HasWeight ? stage.Weight : 1 };
    }

    internal static EngineFusion ToEngine(this WireFusion? fusion) => fusion?.MethodCase switch
    {
        WireFusion.MethodOneofCase.Weighted => EngineFusion.WeightedScores(),
        WireFusion.MethodOneofCase.Rrf when fusion.Rrf.HasK => EngineFusion.Rrf((int)Math.Min(fusion.Rrf.K, int.MaxValue)),
        _ => EngineFusion.Rrf(),
    };

    private static int Limit(ulong limit, string field) =>
        limit is 0 or > int.MaxValue
            ? throw new VectorEngineArgumentException($"{field} must be from 1 to {int.MaxValue}; got {limit}.", field)
            : (int)limit;
}
