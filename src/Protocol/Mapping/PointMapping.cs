using Google.Protobuf.Collections;
using VectorEngine.Api.V1;
using EngineScoredPoint = VectorEngine.ScoredPoint;
using EngineSearchParams = VectorEngine.SearchParams;
using WireScoredPoint = VectorEngine.Api.V1.ScoredPoint;
using WireSearchParams = VectorEngine.Api.V1.SearchParams;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Points, searches and scrolls between the wire types and the engine's; field names in errors are the wire's.</summary>
internal static class PointMapping
{
    public static Point ToEngine(this PointStruct point, string field) =>
        new(point.Id.ToEngine($"{field}.id"), point.Vector.ToArray(), point.Payload.ToEngine($"{field}.payload"));

    public static PointStruct ToWire(this Point point)
    {
        var wire = new PointStruct { Id = point.Id.ToWire(), Vector = { point.Vector } };
        point.Payload.CopyTo(wire.Payload);
        return wire;
    }

    public static PointId[] ToEngine(this RepeatedField<Api.V1.PointId> ids, string field) =>
        ids.Select((id, i) => id.ToEngine($"{field}[{i}]")).ToArray();

    public static RetrievedPoint ToWire(this PointRecord point)
    {
        var wire = new RetrievedPoint { Id = point.Id.ToWire() };
        point.Payload.CopyTo(wire.Payload);
        if (point.Vector is { } vector)
        {
            wire.Vector.Add(vector);
        }

        return wire;
    }

    public static PointRecord ToEngine(this RetrievedPoint point) =>
        new(point.Id.ToEngine("id"), point.Payload.ToEngine("payload"), point.Vector.Count > 0 ? point.Vector.ToArray() : null);

    public static WireScoredPoint ToWire(this EngineScoredPoint point)
    {
        var wire = new WireScoredPoint { Id = point.Id.ToWire(), Score = point.Score };
        point.Payload.CopyTo(wire.Payload);
        if (point.Vector is { } vector)
        {
            wire.Vector.Add(vector);
        }

        return wire;
    }

    public static EngineScoredPoint ToEngine(this WireScoredPoint point) =>
        new(point.Id.ToEngine("id"), point.Score, point.Payload.ToEngine("payload"), point.Vector.Count > 0 ? point.Vector.ToArray() : null);

    public static SearchRequest ToEngine(this SearchPoints search, string field)
    {
        if (search.Limit is 0 or > int.MaxValue)
        {
            throw new VectorEngineArgumentException($"{field}.limit must be from 1 to {int.MaxValue}; got {search.Limit}.", $"{field}.limit");
        }

        return new SearchRequest(search.Vector.ToArray(), (int)search.Limit)
        {
            Text = search.Text.Length > 0 ? search.Text : null,
            Filter = search.Filter.ToEngine($"{field}.filter"),
            ScoreThreshold = search.HasScoreThreshold ? search.ScoreThreshold : null,
            WithPayload = search.WithPayload,
            WithVector = search.WithVectors,
            Params = search.Params.ToEngine($"{field}.params"),
        };
    }

    public static SearchPoints ToWire(this SearchRequest request, string collection)
    {
        var wire = new SearchPoints
        {
            CollectionName = collection,
            Vector = { request.Vector },
            Limit = (ulong)Math.Max(0, request.Limit),
            Filter = request.Filter.ToWire(),
            WithPayload = request.WithPayload,
            WithVectors = request.WithVector,
            Params = request.Params.ToWire(),
            Text = request.Text ?? "",
        };
        if (request.ScoreThreshold is { } threshold)
        {
            wire.ScoreThreshold = threshold;
        }

        return wire;
    }

    public static ScrollRequest ToEngine(this ScrollPoints scroll, string field) => new()
    {
        Filter = scroll.Filter.ToEngine($"{field}.filter"),
        Offset = scroll.Offset is null ? (PointId?)null : scroll.Offset.ToEngine($"{field}.offset"),
        Limit = scroll.HasLimit ? (int)Math.Min(scroll.Limit, int.MaxValue) : new ScrollRequest().Limit,
        WithPayload = scroll.WithPayload,
        WithVector = scroll.WithVectors,
    };

    public static ScrollPoints ToWire(this ScrollRequest request, string collection) => new()
    {
        CollectionName = collection,
        Filter = request.Filter.ToWire(),
        Offset = request.Offset?.ToWire(),
        Limit = (uint)Math.Max(0, request.Limit),
        WithPayload = request.WithPayload,
        WithVectors = request.WithVector,
    };

    internal static EngineSearchParams ToEngine(this WireSearchParams? parameters, string field)
    {
        if (parameters is null)
        {
            return EngineSearchParams.Default;
        }

        return new EngineSearchParams
        {
            Exact = parameters.Exact,
            Ef = parameters.HasHnswEf ? Checked(parameters.HnswEf, $"{field}.hnsw_ef") : null,
            NProbe = parameters.HasNprobe ? Checked(parameters.Nprobe, $"{field}.nprobe") : null,
            Oversampling = parameters.Quantization is { HasOversampling: true } q ? q.Oversampling : null,
            Rescore = parameters.Quantization is { HasRescore: true } r ? r.Rescore : null,
        };
    }

    internal static WireSearchParams ToWire(this EngineSearchParams parameters)
    {
        var wire = new WireSearchParams { Exact = parameters.Exact };
        if (parameters.Ef is { } ef)
        {
            wire.HnswEf = (ulong)Math.Max(0, ef);
        }

        if (parameters.NProbe is { } nprobe)
        {
            wire.Nprobe = (ulong)Math.Max(0, nprobe);
        }

        if (parameters.Oversampling is not null || parameters.Rescore is not null)
        {
            wire.Quantization = new QuantizationSearchParams();
            if (parameters.Oversampling is { } oversampling)
            {
                wire.Quantization.Oversampling = oversampling;
            }

            if (parameters.Rescore is { } rescore)
            {
                wire.Quantization.Rescore = rescore;
            }
        }

        return wire;
    }

    private static int Checked(ulong value, string field) =>
        value is >= 1 and <= 1_000_000
            ? (int)value
            : throw new VectorEngineArgumentException($"{field} must be from 1 to 1000000; got {value}.", field);
}
