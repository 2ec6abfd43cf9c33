using System.Globalization;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization.Ivf;

/// <summary>How an IVF index holds the vectors of its lists.</summary>
public enum IvfEncoding
{
    /// <summary>The segment's float vectors, read by offset (IVF-Flat): exact distances within the probed lists.</summary>
    Flat,

    /// <summary>Int8 codes of the vectors (IVF-SQ8), rescored with the floats.</summary>
    Sq8,

    /// <summary>PQ codes of each vector's residual from its list centroid (IVF-PQ, FAISS's IndexIVFPQ), rescored with the floats.</summary>
    Pq,
}

/// <summary>
/// Parameters of the inverted-file index: nlist coarse centroids trained by k-means, every vector in the list of its
/// nearest centroid, and searches that scan the nprobe lists nearest the query. Stored in a collection's config as
/// invariant strings, so a reopened database reloads the same index.
/// </summary>
public sealed record IvfParameters
{
    /// <summary>The index type's registered name.</summary>
    public const string IndexName = "ivf";

    /// <summary>Coarse centroids (inverted lists); 0 (the default) uses 4·√n for a segment of n vectors, capped at n.</summary>
    public int NList { get; init; }

    /// <summary>Lists a search scans when it does not say (<see cref="SearchParams.NProbe"/>). Default 16.</summary>
    public int NProbe { get; init; } = 16;

    /// <summary>How list entries are held. Default <see cref="IvfEncoding.Flat"/>.</summary>
    public IvfEncoding Encoding { get; init; } = IvfEncoding.Flat;

    /// <summary>Lloyd iterations of the coarse k-means. Default 25, FAISS's.</summary>
    public int Iterations { get; init; } = 25;

    /// <summary>
    /// The coarse k-means trains on at most this many rows per centroid (a seeded random sample). Default 256, FAISS's.
    /// </summary>
    public int MaxPointsPerCentroid { get; init; } = 256;

    /// <summary>Seed of the training samples and k-means++; the same seed and data give the same index.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Threads training and encoding; 0 uses every core. Default 0.</summary>
    public int BuildThreads { get; init; }

    /// <summary>
    /// SQ8 and PQ: candidates taken from the codes per result asked for, all rescored with the float vectors.
    /// Default 4 (FAISS's IndexRefine k_factor in the peers' runs).
    /// </summary>
    public double Oversampling { get; init; } = 4.0;

    /// <summary>SQ8 and PQ: rescore candidates with the float vectors (true, the default) or return code distances.</summary>
    public bool Rescore { get; init; } = true;

    /// <summary>PQ codebook parameters (stored under "pq.*").</summary>
    public PqParameters Pq { get; init; } = new();

    /// <summary>SQ8 parameters (stored under "sq8.*").</summary>
    public Int8Parameters Sq8 { get; init; } = new();

    /// <summary>The list count for a segment of <paramref name="rows"/> vectors.</summary>
    public int NListFor(int rows) =>
        Math.Max(1, Math.Min(rows, NList > 0 ? NList : Math.Max(1, (int)Math.Round(4 * Math.Sqrt(rows)))));

    /// <summary>The parameters as stored in a collection config.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>
        {
            ["nlist"] = NList.ToString(CultureInfo.InvariantCulture),
            ["nprobe"] = NProbe.ToString(CultureInfo.InvariantCulture),
            ["encoding"] = Encoding.ToString().ToLowerInvariant(),
            ["iterations"] = Iterations.ToString(CultureInfo.InvariantCulture),
            ["max_points_per_centroid"] = MaxPointsPerCentroid.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["build_threads"] = BuildThreads.ToString(CultureInfo.InvariantCulture),
        };
        if (Encoding != IvfEncoding.Flat)
        {
            result["oversampling"] = Oversampling.ToString("R", CultureInfo.InvariantCulture);
            result["rescore"] = Rescore ? "true" : "false";
        }

        IReadOnlyDictionary<string, string> own = Encoding switch
        {
            IvfEncoding.Pq => Pq.ToDictionary(),
            IvfEncoding.Sq8 => Sq8.ToDictionary(),
            _ => new Dictionary<string, string>(),
        };
        string prefix = Encoding == IvfEncoding.Pq ? "pq." : "sq8.";
        foreach (KeyValuePair<string, string> pair in own)
        {
            result[prefix + pair.Key] = pair.Value;
        }

        return result;
    }

    /// <summary>Reads and checks stored parameters; absent keys take their defaults.</summary>
    /// <param name="parameters">Name/value pairs.</param>
    /// <exception cref="VectorEngineArgumentException">An unknown key, or a value out of range.</exception>
    public static IvfParameters Parse(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var result = new IvfParameters();
        var pq = new Dictionary<string, string>(StringComparer.Ordinal);
        var sq8 = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in parameters)
        {
            if (pair.Key.StartsWith("pq.", StringComparison.Ordinal))
            {
                pq[pair.Key[3..]] = pair.Value;
                continue;
            }

            if (pair.Key.StartsWith("sq8.", StringComparison.Ordinal))
            {
                sq8[pair.Key[4..]] = pair.Value;
                continue;
            }

            result = pair.Key switch
            {
                "nlist" => result with { NList = ReadInt(pair, 0, 1 << 20) },
                "nprobe" => result with { NProbe = ReadInt(pair, 1, 1 << 20) },
                "encoding" => result with { Encoding = ReadEncoding(pair.Value) },
                "iterations" => result with { Iterations = ReadInt(pair, 0, 1000) },
                "max_points_per_centroid" => result with { MaxPointsPerCentroid = ReadInt(pair, 1, 1 << 20) },
                "seed" => result with { Seed = ReadInt(pair, int.MinValue, int.MaxValue) },
                "build_threads" => result with { BuildThreads = ReadInt(pair, 0, 1024) },
                "oversampling" => result with { Oversampling = ReadOversampling(pair.Value) },
                "rescore" => result with { Rescore = ReadBool(pair) },
                _ => throw new VectorEngineArgumentException(
                    $"Unknown IVF parameter '{pair.Key}'. Known: nlist, nprobe, encoding, iterations, max_points_per_centroid, seed, " +
                    "build_threads, oversampling, rescore, pq.*, sq8.*.", "index"),
            };
        }

        if ((pq.Count > 0 && result.Encoding != IvfEncoding.Pq) || (sq8.Count > 0 && result.Encoding != IvfEncoding.Sq8))
        {
            throw new VectorEngineArgumentException("IVF 'pq.*' parameters need encoding 'pq', and 'sq8.*' need 'sq8'.", "index");
        }

        return result with { Pq = PqParameters.Parse(pq), Sq8 = Int8Parameters.Parse(sq8) };
    }

    /// <summary>Checks the values (the same ranges <see cref="Parse"/> enforces).</summary>
    /// <exception cref="VectorEngineArgumentException">A value is out of range.</exception>
    public IvfParameters Validate() => Parse(ToDictionary());

    /// <summary>The index spec that asks for IVF with these parameters (<see cref="CollectionOptions.Index"/>).</summary>
    /// <exception cref="VectorEngineArgumentException">A value is out of range.</exception>
    public IndexSpec ToSpec() => new(IndexName, Validate().ToDictionary());

    private static IvfEncoding ReadEncoding(string value) => value switch
    {
        "flat" => IvfEncoding.Flat,
        "sq8" => IvfEncoding.Sq8,
        "pq" => IvfEncoding.Pq,
        _ => throw new VectorEngineArgumentException($"IVF 'encoding' is flat, sq8 or pq; got '{value}'.", "index"),
    };

    private static double ReadOversampling(string value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) || !(result >= 1.0 && result <= 100.0))
        {
            throw new VectorEngineArgumentException($"IVF parameter 'oversampling' must be from 1 to 100; got '{value}'.", "index");
        }

        return result;
    }

    private static bool ReadBool(KeyValuePair<string, string> pair) => pair.Value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new VectorEngineArgumentException($"IVF parameter '{pair.Key}' must be true or false; got '{pair.Value}'.", "index"),
    };

    private static int ReadInt(KeyValuePair<string, string> pair, int min, int max)
    {
        if (!int.TryParse(pair.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new VectorEngineArgumentException(
                $"IVF parameter '{pair.Key}' must be an integer from {min} to {max}; got '{pair.Value}'.", "index");
        }

        return value;
    }
}
