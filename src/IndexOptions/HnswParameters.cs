using System.Globalization;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Quantization.Binary;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Hnsw;

/// <summary>
/// HNSW parameters under the names of Malkov &amp; Yashunin's paper, with hnswlib's defaults where the paper leaves a
/// choice. Stored in a collection's config as invariant strings (<see cref="ToDictionary"/>), so a reopened database
/// rebuilds or reloads the same graph.
/// </summary>
public sealed record HnswParameters
{
    /// <summary>The index type's registered name.</summary>
    public const string IndexName = "hnsw";

    /// <summary>
    /// M: links per node on the upper layers; layer 0 keeps up to 2·M (the paper's M_max0). The level
    /// multiplier is mL = 1/ln(M). Default 16, as in hnswlib and Qdrant.
    /// </summary>
    public int M { get; init; } = 16;

    /// <summary>efConstruction: the beam width while inserting. Default 200, as in hnswlib's examples and the peers' runs.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>
    /// ef: the default beam width of a search (the k of a search is used when larger). Default 64, which reached
    /// recall@10 ≥ 0.95 on the shared data sets (fashion-mnist-784, SIFT) with M=16, efConstruction=200.
    /// </summary>
    public int Ef { get; init; } = 64;

    /// <summary>Seed of the random level draw; one build thread and one seed give the same graph. Default 100 (hnswlib's).</summary>
    public int Seed { get; init; } = 100;

    /// <summary>Threads building the graph; 0 uses every core. Default 0.</summary>
    public int BuildThreads { get; init; }

    /// <summary>
    /// A registered quantizer ("int8"; see <c>options.UseQuantization()</c>) whose codes searches traverse instead of
    /// the float vectors, rescoring the best candidates with the floats; null (the default) searches the floats.
    /// The graph itself is always built from the float vectors.
    /// </summary>
    public string? Quantization { get; init; }

    /// <summary>The quantizer's own parameters (stored under "quantizer.NAME" keys).</summary>
    public IReadOnlyDictionary<string, string> QuantizerParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The quantizer, typed: <c>new Int8Parameters { Quantile = 0.995 }</c>, <c>new PqParameters { SubQuantizers = 16 }</c>
    /// or <c>new BinaryParameters()</c>. Setting it sets <see cref="Quantization"/> and <see cref="QuantizerParameters"/>
    /// (so set it instead of them, not beside them); reading it parses them back, and is null without a quantizer or
    /// for a quantizer registered under a name this library does not ship.
    /// </summary>
    /// <exception cref="VectorEngineArgumentException">Reading: the stored quantizer parameters are invalid.</exception>
    public IQuantizerParameters? Quantizer
    {
        get => Quantization switch
        {
            Int8Parameters.Name => Int8Parameters.Parse(QuantizerParameters),
            PqParameters.Name => PqParameters.Parse(QuantizerParameters),
            BinaryParameters.Name => BinaryParameters.Parse(QuantizerParameters),
            _ => null,
        };
        init
        {
            Quantization = value?.QuantizerName;
            QuantizerParameters = value?.ToDictionary() ?? new Dictionary<string, string>();
        }
    }

    /// <summary>
    /// With a quantizer: candidates taken from the codes per result asked for, all rescored with the float vectors;
    /// the search's beam is widened to k · oversampling when narrower. Null (the default) takes the codes' own default:
    /// int8 codes measure, when they are trained, how many candidates per result recover the float top 10 on a sample
    /// of the data (<c>IQuantizedVectors.DefaultOversampling</c>); product and binary codes use 2.
    /// </summary>
    public double? Oversampling { get; init; }

    /// <summary>With a quantizer: rescore candidates with the float vectors (true, the default) or return code distances.</summary>
    public bool Rescore { get; init; } = true;

    /// <summary>
    /// With a quantizer: link the graph with distances between codes where the codes offer them (true, the default),
    /// or always with the float vectors. Int8 codes offer them only when they are near lossless — one range for all
    /// dimensions, no float outlier dimension, and codes alone finding at least 0.99 of the float top 10 on the
    /// training sample (integer pixels, for one) — so the graph links the same neighbours while reading a quarter of
    /// the bytes.
    /// </summary>
    public bool BuildOnCodes { get; init; } = true;

    private const string QuantizerPrefix = "quantizer.";

    /// <summary>The parameters as stored in a collection config.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>
        {
            ["m"] = M.ToString(CultureInfo.InvariantCulture),
            ["ef_construction"] = EfConstruction.ToString(CultureInfo.InvariantCulture),
            ["ef"] = Ef.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["build_threads"] = BuildThreads.ToString(CultureInfo.InvariantCulture),
        };
        if (Quantization is not null)
        {
            result["quantization"] = Quantization;
            if (Oversampling is { } oversampling)
            {
                result["oversampling"] = oversampling.ToString("R", CultureInfo.InvariantCulture);
            }

            result["rescore"] = Rescore ? "true" : "false";
            result["build_on_codes"] = BuildOnCodes ? "true" : "false";
            foreach (KeyValuePair<string, string> pair in QuantizerParameters)
            {
                result[QuantizerPrefix + pair.Key] = pair.Value;
            }
        }

        return result;
    }

    /// <summary>Reads and checks stored parameters; absent keys take their defaults.</summary>
    /// <param name="parameters">Name/value pairs.</param>
    /// <exception cref="VectorEngineArgumentException">An unknown key, or a value out of range.</exception>
    public static HnswParameters Parse(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var result = new HnswParameters();
        var quantizer = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in parameters)
        {
            if (pair.Key.StartsWith(QuantizerPrefix, StringComparison.Ordinal))
            {
                quantizer[pair.Key[QuantizerPrefix.Length..]] = pair.Value;
                continue;
            }

            result = pair.Key switch
            {
                "quantization" => result with { Quantization = ReadName(pair) },
                "oversampling" => result with { Oversampling = ReadOversampling(pair) },
                "rescore" => result with { Rescore = ReadBool(pair) },
                "build_on_codes" => result with { BuildOnCodes = ReadBool(pair) },
                "m" => result with { M = ReadInt(pair, 2, 256) },
                "ef_construction" => result with { EfConstruction = ReadInt(pair, 1, 10_000) },
                "ef" => result with { Ef = ReadInt(pair, 1, 100_000) },
                "seed" => result with { Seed = ReadInt(pair, int.MinValue, int.MaxValue) },
                "build_threads" => result with { BuildThreads = ReadInt(pair, 0, 1024) },
                _ => throw new VectorEngineArgumentException(
                    $"Unknown HNSW parameter '{pair.Key}'. Known: m, ef_construction, ef, seed, build_threads, quantization, " +
                    "oversampling, rescore, quantizer.*.", "index"),
            };
        }

        if (quantizer.Count > 0 && result.Quantization is null)
        {
            throw new VectorEngineArgumentException("HNSW 'quantizer.*' parameters need a 'quantization'.", "index");
        }

        return result with { QuantizerParameters = quantizer };
    }

    /// <summary>Checks the values (the ranges <see cref="Parse"/> enforces, and a shipped quantizer's own).</summary>
    /// <exception cref="VectorEngineArgumentException">A value is out of range.</exception>
    public HnswParameters Validate()
    {
        HnswParameters parsed = Parse(ToDictionary());

        // A quantizer this library ships checks its own values here; one registered by another package is checked by its
        // factory when a collection is created.
        _ = parsed.Quantizer;
        return parsed;
    }

    /// <summary>The index spec that asks for HNSW with these parameters (<see cref="CollectionOptions.Index"/>).</summary>
    /// <exception cref="VectorEngineArgumentException">A value is out of range.</exception>
    public IndexSpec ToSpec() => new(IndexName, Validate().ToDictionary());

    private static string ReadName(KeyValuePair<string, string> pair) =>
        string.IsNullOrWhiteSpace(pair.Value)
            ? throw new VectorEngineArgumentException("HNSW parameter 'quantization' must name a quantizer.", "index")
            : pair.Value;

    private static double ReadOversampling(KeyValuePair<string, string> pair)
    {
        if (!double.TryParse(pair.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 1.0 && value <= 100.0))
        {
            throw new VectorEngineArgumentException($"HNSW parameter 'oversampling' must be from 1 to 100; got '{pair.Value}'.", "index");
        }

        return value;
    }

    private static bool ReadBool(KeyValuePair<string, string> pair) => pair.Value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new VectorEngineArgumentException($"HNSW parameter '{pair.Key}' must be true or false; got '{pair.Value}'.", "index"),
    };

    private static int ReadInt(KeyValuePair<string, string> pair, int min, int max)
    {
        if (!int.TryParse(pair.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new VectorEngineArgumentException(
                $"HNSW parameter '{pair.Key}' must be an integer from {min} to {max}; got '{pair.Value}'.", "index");
        }

        return value;
    }
}
