using System.Globalization;
using VectorEngine.Api.V1;
using VectorEngine.Indexing;
using EngineCollectionInfo = VectorEngine.CollectionInfo;
using WireCollectionInfo = VectorEngine.Api.V1.CollectionInfo;
using WireIndexSpec = VectorEngine.Api.V1.IndexSpec;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Collection options and descriptions between the wire types and the engine's.</summary>
/// <remarks>
/// Typed index configs are turned into the engine's index parameters by their registered names ("hnsw", "ivf",
/// "flat"), so the server's index factories validate them exactly as they validate an embedded caller's.
/// </remarks>
internal static class CollectionMapping
{
    public static CollectionOptions ToEngine(this CreateCollection create)
    {
        if (create.Vectors is null)
        {
            throw new VectorEngineArgumentException("vectors is required (size and distance).", "vectors");
        }

        if (create.Vectors.Size is 0 or > int.MaxValue)
        {
            throw new VectorEngineArgumentException($"vectors.size must be positive; got {create.Vectors.Size}.", "vectors.size");
        }

        var options = new CollectionOptions((int)create.Vectors.Size, create.Vectors.Distance.ToEngine())
        {
            Index = IndexFor(create),
        };
        foreach (KeyValuePair<string, PayloadSchemaType> pair in create.PayloadSchema)
        {
            options.PayloadIndexes[pair.Key] = pair.Value switch
            {
                PayloadSchemaType.Keyword => PayloadIndexType.Keyword,
                PayloadSchemaType.Integer => PayloadIndexType.Integer,
                PayloadSchemaType.Float => PayloadIndexType.Float,
                PayloadSchemaType.Datetime => PayloadIndexType.DateTime,
                PayloadSchemaType.Bool => PayloadIndexType.Bool,
                _ => throw new VectorEngineArgumentException(
                    $"payload_schema['{pair.Key}'] must be Keyword, Integer, Float, Datetime or Bool.", "payload_schema"),
            };
        }

        return options;
    }

    public static CreateCollection ToWire(this CollectionOptions options, string name)
    {
        var wire = new CreateCollection
        {
            CollectionName = name,
            Vectors = new VectorParams { Size = (ulong)options.Dimension, Distance = options.Metric.ToWire() },
        };
        if (options.Index is { } index)
        {
            wire.IndexSpec = new WireIndexSpec { Name = index.Name, Parameters = { index.Parameters.ToDictionary() } };
        }

        foreach (KeyValuePair<string, PayloadIndexType> pair in options.PayloadIndexes)
        {
            wire.PayloadSchema[pair.Key] = pair.Value switch
            {
                PayloadIndexType.Keyword => PayloadSchemaType.Keyword,
                PayloadIndexType.Integer => PayloadSchemaType.Integer,
                PayloadIndexType.Float => PayloadSchemaType.Float,
                PayloadIndexType.DateTime => PayloadSchemaType.Datetime,
                _ => PayloadSchemaType.Bool,
            };
        }

        return wire;
    }

    public static WireCollectionInfo ToWire(this EngineCollectionInfo info) => new()
    {
        Name = info.Name,
        Vectors = new VectorParams { Size = (ulong)info.Dimension, Distance = info.Metric.ToWire() },
        Index = info.IndexName,
        PointsCount = (ulong)info.PointCount,
        SegmentsCount = (ulong)info.SegmentCount,
        SealedSegmentsCount = (ulong)info.SealedSegmentCount,
        DeletedPointsCount = (ulong)info.DeletedPointCount,
        IndexMemoryBytes = (ulong)info.IndexMemoryBytes,
        WalBytes = (ulong)info.WalBytes,
        SearchedVectorBytes = (ulong)info.SearchedVectorBytes,
    };

    public static EngineCollectionInfo ToEngine(this WireCollectionInfo info) => new(
        info.Name, (int)info.Vectors.Size, info.Vectors.Distance.ToEngine(), info.Index, (long)info.PointsCount, (int)info.SegmentsCount,
        (int)info.SealedSegmentsCount, (long)info.DeletedPointsCount, (long)info.IndexMemoryBytes, (long)info.WalBytes,
        (long)info.SearchedVectorBytes);

    private static DistanceMetric ToEngine(this Distance distance) => distance switch
    {
        Distance.Cosine => DistanceMetric.Cosine,
        Distance.Euclid => DistanceMetric.L2,
        Distance.Dot => DistanceMetric.InnerProduct,
        _ => throw new VectorEngineArgumentException("vectors.distance must be Cosine, Euclid or Dot.", "vectors.distance"),
    };

    private static Distance ToWire(this DistanceMetric metric) => metric switch
    {
        DistanceMetric.Cosine => Distance.Cosine,
        DistanceMetric.L2 => Distance.Euclid,
        _ => Distance.Dot,
    };

    /// <summary>The engine index spec the request asks for; null leaves the server's default index.</summary>
    private static Indexing.IndexSpec? IndexFor(CreateCollection create)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string key, object value) => parameters[key] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        switch (create.IndexCase)
        {
            case CreateCollection.IndexOneofCase.IndexSpec:
                if (create.QuantizationConfig is not null)
                {
                    throw new VectorEngineArgumentException("quantization_config goes with hnsw_config; with index_spec put it in its parameters.",
                        "quantization_config");
                }

                return new Indexing.IndexSpec(create.IndexSpec.Name, new Dictionary<string, string>(create.IndexSpec.Parameters));
            case CreateCollection.IndexOneofCase.FlatConfig:
                RequireNoQuantization(create, "flat_config");
                return Indexing.IndexSpec.Flat;
            case CreateCollection.IndexOneofCase.IvfConfig:
                RequireNoQuantization(create, "ivf_config");
                IvfConfig ivf = create.IvfConfig;
                if (ivf.HasNlist) Set("nlist", ivf.Nlist);
                if (ivf.HasNprobe) Set("nprobe", ivf.Nprobe);
                Set("encoding", ivf.Encoding switch { IvfEncoding.IvfSq8 => "sq8", IvfEncoding.IvfPq => "pq", _ => "flat" });
                if (ivf.HasPqM) Set("pq.m", ivf.PqM);
                return new Indexing.IndexSpec("ivf", parameters);
            case CreateCollection.IndexOneofCase.HnswConfig:
                HnswConfig hnsw = create.HnswConfig;
                if (hnsw.HasM) Set("m", hnsw.M);
                if (hnsw.HasEfConstruct) Set("ef_construction", hnsw.EfConstruct);
                if (hnsw.HasEf) Set("ef", hnsw.Ef);
                AddQuantization(create.QuantizationConfig, parameters);
                return new Indexing.IndexSpec("hnsw", parameters);
            default:
                if (create.QuantizationConfig is null)
                {
                    return null;
                }

                AddQuantization(create.QuantizationConfig, parameters);
                return new Indexing.IndexSpec("hnsw", parameters);
        }
    }

    private static void RequireNoQuantization(CreateCollection create, string index)
    {
        if (create.QuantizationConfig is not null)
        {
            throw new VectorEngineArgumentException($"quantization_config applies to HNSW, not to {index}.", "quantization_config");
        }
    }

    private static void AddQuantization(QuantizationConfig? config, Dictionary<string, string> parameters)
    {
        if (config is null)
        {
            return;
        }

        switch (config.QuantizationCase)
        {
            case QuantizationConfig.QuantizationOneofCase.Scalar:
                parameters["quantization"] = "int8";
                if (config.Scalar.HasQuantile)
                {
                    parameters["quantizer.quantile"] = config.Scalar.Quantile.ToString("R", CultureInfo.InvariantCulture);
                }

                break;
            case QuantizationConfig.QuantizationOneofCase.Product:
                parameters["quantization"] = "pq";
                if (config.Product.HasM)
                {
                    parameters["quantizer.m"] = config.Product.M.ToString(CultureInfo.InvariantCulture);
                }

                break;
            case QuantizationConfig.QuantizationOneofCase.Binary:
                parameters["quantization"] = "binary";
                break;
            default:
                throw new VectorEngineArgumentException("quantization_config needs one of scalar, product or binary.", "quantization_config");
        }

        if (config.HasOversampling)
        {
            parameters["oversampling"] = config.Oversampling.ToString("R", CultureInfo.InvariantCulture);
        }

        if (config.HasRescore)
        {
            parameters["rescore"] = config.Rescore ? "true" : "false";
        }
    }
}
