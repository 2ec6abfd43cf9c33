using System.Globalization;
using VectorEngine.Indexing.Quantization;

namespace VectorEngine.Quantization.Product;

/// <summary>Parameters of product quantization (Jégou et al.; FAISS's PQ): m sub-vectors, each coded by one byte.</summary>
public sealed record PqParameters : IQuantizerParameters
{
    /// <summary>The registered quantizer name.</summary>
    public const string Name = "pq";

    /// <inheritdoc />
    public string QuantizerName => Name;

    /// <summary>Bits per sub-quantizer code: 8 (256 centroids), the only width supported.</summary>
    public const int Bits = 8;

    /// <summary>
    /// Sub-quantizers m; must divide the dimension. 0 (the default) picks dim/8 when it divides the dimension, else the
    /// nearest divisor between dim/8 and dim/4 (the peers' rule): 16 for SIFT-128, 98 for fashion-mnist-784.
    /// </summary>
    public int SubQuantizers { get; init; }

    /// <summary>Lloyd iterations per sub-quantizer. Default 25, FAISS's.</summary>
    public int Iterations { get; init; } = 25;

    /// <summary>Rows sampled to train the codebooks. Default 65,536 (FAISS's 256 points per centroid).</summary>
    public int SampleSize { get; init; } = 65_536;

    /// <summary>Seed of the sample and of k-means++; the same seed and data give the same codebooks.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The sub-quantizer count for <paramref name="dimension"/>, resolving 0 to the default rule.</summary>
    /// <exception cref="VectorEngineArgumentException">m does not divide the dimension.</exception>
    public int SubQuantizersFor(int dimension)
    {
        if (SubQuantizers == 0)
        {
            int lo = Math.Max(1, dimension / 8), hi = Math.Max(1, dimension / 4);
            for (int m = lo; m <= hi; m++)
            {
                if (dimension % m == 0)
                {
                    return m;
                }
            }

            for (int m = lo; m > 0; m--)
            {
                if (dimension % m == 0)
                {
                    return m;
                }
            }
        }

        return dimension % SubQuantizers == 0
            ? SubQuantizers
            : throw new VectorEngineArgumentException(
                $"PQ 'm' ({SubQuantizers}) must divide the dimension ({dimension}).", "quantization");
    }

    /// <summary>As stored in index parameters.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary() => new Dictionary<string, string>
    {
        ["m"] = SubQuantizers.ToString(CultureInfo.InvariantCulture),
        ["nbits"] = Bits.ToString(CultureInfo.InvariantCulture),
        ["iterations"] = Iterations.ToString(CultureInfo.InvariantCulture),
        ["sample_size"] = SampleSize.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads stored parameters; absent keys take their defaults.</summary>
    /// <param name="parameters">Name/value pairs.</param>
    /// <exception cref="VectorEngineArgumentException">An unknown key or a value out of range.</exception>
    public static PqParameters Parse(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var result = new PqParameters();
        foreach (KeyValuePair<string, string> pair in parameters)
        {
            result = pair.Key switch
            {
                "m" => result with { SubQuantizers = ReadInt(pair, 0, 4096) },
                "nbits" => RequireBits(pair, result),
                "iterations" => result with { Iterations = ReadInt(pair, 0, 1000) },
                "sample_size" => result with { SampleSize = ReadInt(pair, 256, int.MaxValue) },
                "seed" => result with { Seed = ReadInt(pair, int.MinValue, int.MaxValue) },
                _ => throw new VectorEngineArgumentException(
                    $"Unknown PQ parameter '{pair.Key}'. Known: m, nbits, iterations, sample_size, seed.", "quantization"),
            };
        }

        return result;
    }

    /// <summary>Accepts "nbits" only at the one supported width; the record has nothing to set.</summary>
    private static PqParameters RequireBits(KeyValuePair<string, string> pair, PqParameters result)
    {
        ReadInt(pair, Bits, Bits);
        return result;
    }

    private static int ReadInt(KeyValuePair<string, string> pair, int min, int max)
    {
        if (!int.TryParse(pair.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            string range = min == max ? $"{min}" : $"an integer from {min} to {max}";
            throw new VectorEngineArgumentException($"PQ parameter '{pair.Key}' must be {range}; got '{pair.Value}'.", "quantization");
        }

        return value;
    }
}
