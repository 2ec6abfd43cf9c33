using System.Globalization;
using VectorEngine.Api.V1;
using VectorEngine.Hnsw;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;
using EngineCollectionInfo = VectorEngine.CollectionInfo;
using WireCollectionInfo = VectorEngine.Api.V1.CollectionInfo;
using WireIndexSpec = VectorEngine.Api.V1.IndexSpec;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Collection options and descriptions between the wire types and the engine's.</summary>
/// <remarks>
/// Typed index configs become the index packages' typed options (HnswParameters, IvfParameters and the quantizers'
/// parameters), which check their values and write the collection's config: no key is spelled here.
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
                PayloadSchemaType.Text => PayloadIndexType.Text,
                _ => throw new VectorEngineArgumentException(
                    $"payload_schema['{pair.Key}'] must be Keyword, Integer, Float, Datetime, Bool or Text.", "payload_schema"),
            };
        }

        foreach (KeyValuePair<string, TextAnalyzer> pair in create.TextAnalyzers)
        {
            options.TextAnalyzers[pair.Key] = pair.Value.ToEngine(pair.Key);
        }

        if (create.Embedding is { } embedding)
        {
            options = options.WithEmbedding(new TextEmbedding(embedding.SourceField, embedding.Generator));
        }

        return create.Tiering is { } tiering ? options.WithTiering(tiering.ToEngine()) : options;
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
                PayloadIndexType.Text => PayloadSchemaType.Text,
                _ => PayloadSchemaType.Bool,
            };
        }

        foreach (KeyValuePair<string, TextAnalyzerOptions> pair in options.TextAnalyzers)
        {
            wire.TextAnalyzers[pair.Key] = pair.Value.ToWire();
        }

        if (options.Embedding is { } embedding)
        {
            wire.Embedding = new Api.V1.TextEmbedding { SourceField = embedding.SourceField, Generator = embedding.Generator };
        }

        if (options.Tiering is { } tiering)
        {
            wire.Tiering = tiering.ToWire();
        }

        return wire;
    }

    public static TierPolicy ToEngine(this TieringConfig wire)
    {
        TierPolicy defaults = TierPolicy.Default;
        var policy = new TierPolicy
        {
            WarmAfter = wire.HasWarmAfterSeconds ? Seconds(wire.WarmAfterSeconds, "tiering.warm_after_seconds") : defaults.WarmAfter,
            WarmBelowAccesses = wire.HasWarmBelowAccesses ? (int)Math.Min(wire.WarmBelowAccesses, int.MaxValue) : defaults.WarmBelowAccesses,
            ColdAfter = wire.HasColdAfterSeconds ? Seconds(wire.ColdAfterSeconds, "tiering.cold_after_seconds") : defaults.ColdAfter,
            ColdFetchTimeout = wire.HasColdFetchTimeoutMs ? TimeSpan.FromMilliseconds(Math.Min(wire.ColdFetchTimeoutMs, (ulong)TimeSpan.FromDays(1).TotalMilliseconds)) : null,
            WarmQuantization = wire.HasWarmQuantization ? wire.WarmQuantization : defaults.WarmQuantization,
        };
        policy.Validate();
        return policy;
    }

    public static TieringConfig ToWire(this TierPolicy policy)
    {
        var wire = new TieringConfig
        {
            WarmAfterSeconds = (ulong)policy.WarmAfter.TotalSeconds,
            WarmBelowAccesses = (uint)policy.WarmBelowAccesses,
            ColdAfterSeconds = (ulong)policy.ColdAfter.TotalSeconds,
            WarmQuantization = policy.WarmQuantization,
        };
        if (policy.ColdFetchTimeout is { } timeout)
        {
            wire.ColdFetchTimeoutMs = (ulong)timeout.TotalMilliseconds;
        }

        return wire;
    }

    public static SegmentTierDescription ToWire(this SegmentTierInfo info)
    {
        var wire = new SegmentTierDescription
        {
            SegmentId = (uint)info.SegmentId,
            Tier = (Tier)info.Tier,
            Points = (ulong)info.Points,
            ResidentBytes = (ulong)info.ResidentBytes,
            LastAccessMs = info.LastAccess.ToUnixTimeMilliseconds(),
            RecentAccesses = (uint)info.RecentAccesses,
        };
        if (info.PinnedTier is { } pinned)
        {
            wire.Pinned = (Tier)pinned;
        }

        return wire;
    }

    public static SegmentTier ToEngine(this Tier tier, string field) => tier switch
    {
        Tier.Hot => SegmentTier.Hot,
        Tier.Warm => SegmentTier.Warm,
        Tier.Cold => SegmentTier.Cold,
        _ => throw new VectorEngineArgumentException($"{field} must be HOT, WARM or COLD; got {(int)tier}.", field),
    };

    private static TimeSpan Seconds(ulong seconds, string field) =>
        seconds is 0 or > 100L * 365 * 24 * 3600
            ? throw new VectorEngineArgumentException($"{field} must be 1 second to 100 years; got {seconds}.", field)
            : TimeSpan.FromSeconds(seconds);

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
                var ivfParameters = new IvfParameters
                {
                    Encoding = ivf.Encoding switch { Api.V1.IvfEncoding.IvfSq8 => Quantization.Ivf.IvfEncoding.Sq8, Api.V1.IvfEncoding.IvfPq => Quantization.Ivf.IvfEncoding.Pq, _ => Quantization.Ivf.IvfEncoding.Flat },
                };
                if (ivf.HasNlist)
                {
                    ivfParameters = ivfParameters with { NList = ToInt(ivf.Nlist, "ivf_config.nlist") };
                }

                if (ivf.HasNprobe)
                {
                    ivfParameters = ivfParameters with { NProbe = ToInt(ivf.Nprobe, "ivf_config.nprobe") };
                }

                if (ivf.HasPqM)
                {
                    ivfParameters = ivfParameters with { Pq = new PqParameters { SubQuantizers = ToInt(ivf.PqM, "ivf_config.pq_m") } };
                }

                return ivfParameters.ToSpec();
            case CreateCollection.IndexOneofCase.HnswConfig:
                HnswConfig hnsw = create.HnswConfig;
                var hnswParameters = new HnswParameters();
                if (hnsw.HasM)
                {
                    hnswParameters = hnswParameters with { M = ToInt(hnsw.M, "hnsw_config.m") };
                }

                if (hnsw.HasEfConstruct)
                {
                    hnswParameters = hnswParameters with { EfConstruction = ToInt(hnsw.EfConstruct, "hnsw_config.ef_construct") };
                }

                if (hnsw.HasEf)
                {
                    hnswParameters = hnswParameters with { Ef = ToInt(hnsw.Ef, "hnsw_config.ef") };
                }

                return WithQuantization(create.QuantizationConfig, hnswParameters).ToSpec();
            default:
                return create.QuantizationConfig is null ? null : WithQuantization(create.QuantizationConfig, new HnswParameters()).ToSpec();
        }
    }

    private static int ToInt(ulong value, string field) =>
        value <= int.MaxValue ? (int)value : throw new VectorEngineArgumentException($"{field} is out of range; got {value}.", field);

    private static void RequireNoQuantization(CreateCollection create, string index)
    {
        if (create.QuantizationConfig is not null)
        {
            throw new VectorEngineArgumentException($"quantization_config applies to HNSW, not to {index}.", "quantization_config");
        }
    }

    /// <summary>HNSW parameters with the wire quantization config's quantizer, oversampling and rescoring.</summary>
    private static HnswParameters WithQuantization(QuantizationConfig? config, HnswParameters parameters)
    {
        if (config is null)
        {
            return parameters;
        }

        IQuantizerParameters quantizer = config.QuantizationCase switch
        {
            QuantizationConfig.QuantizationOneofCase.Scalar => config.Scalar.HasQuantile
                ? new Int8Parameters { Quantile = config.Scalar.Quantile }
                : new Int8Parameters(),
            QuantizationConfig.QuantizationOneofCase.Product => config.Product.HasM
                ? new PqParameters { SubQuantizers = ToInt(config.Product.M, "quantization_config.product.m") }
                : new PqParameters(),
            QuantizationConfig.QuantizationOneofCase.Binary => new BinaryParameters(),
            _ => throw new VectorEngineArgumentException("quantization_config needs one of scalar, product or binary.", "quantization_config"),
        };
        parameters = parameters with { Quantizer = quantizer };
        if (config.HasOversampling)
        {
            parameters = parameters with { Oversampling = config.Oversampling };
        }

        if (config.HasRescore)
        {
            parameters = parameters with { Rescore = config.Rescore };
        }

        return parameters;
    }
}
