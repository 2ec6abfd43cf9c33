using System.Globalization;
using VectorEngine.Indexing.Quantization;

namespace VectorEngine.Quantization.Scalar;

/// <summary>Parameters of affine int8 scalar quantization (Qdrant's scalar quantization, FAISS's SQ8).</summary>
public sealed record Int8Parameters : IQuantizerParameters
{
    /// <summary>The registered quantizer name.</summary>
    public const string Name = "int8";

    /// <inheritdoc />
    public string QuantizerName => Name;

    /// <summary>
    /// The central fraction of values the code range covers; values outside are clipped. Null (the default) lets
    /// training choose it with <see cref="Granularity"/>: see <see cref="Int8Granularity.Auto"/>.
    /// </summary>
    public double? Quantile { get; init; }

    /// <summary>One code range per dimension, one for the whole collection, or chosen from the data (the default).</summary>
    public Int8Granularity Granularity { get; init; } = Int8Granularity.Auto;

    /// <summary>Rows sampled to train the ranges. Default 20,000.</summary>
    public int SampleSize { get; init; } = 20_000;

    /// <summary>As stored in index parameters (the quantile only when set).</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>
        {
            ["granularity"] = Granularity switch
            {
                Int8Granularity.Collection => "collection",
                Int8Granularity.Dimension => "dimension",
                _ => "auto",
            },
            ["sample_size"] = SampleSize.ToString(CultureInfo.InvariantCulture),
        };
        if (Quantile is { } quantile)
        {
            result["quantile"] = quantile.ToString("R", CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>Reads stored parameters; absent keys take their defaults.</summary>
    /// <param name="parameters">Name/value pairs.</param>
    /// <exception cref="VectorEngineArgumentException">An unknown key or a value out of range.</exception>
    public static Int8Parameters Parse(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var result = new Int8Parameters();
        foreach (KeyValuePair<string, string> pair in parameters)
        {
            result = pair.Key switch
            {
                "quantile" => result with { Quantile = ReadQuantile(pair.Value) },
                "granularity" => result with
                {
                    Granularity = pair.Value switch
                    {
                        "auto" => Int8Granularity.Auto,
                        "dimension" => Int8Granularity.Dimension,
                        "collection" => Int8Granularity.Collection,
                        _ => throw new VectorEngineArgumentException(
                            $"int8 'granularity' is 'auto', 'dimension' or 'collection'; got '{pair.Value}'.", "quantization"),
                    },
                },
                "sample_size" => result with { SampleSize = ReadSample(pair.Value) },
                _ => throw new VectorEngineArgumentException(
                    $"Unknown int8 quantizer parameter '{pair.Key}'. Known: quantile, granularity, sample_size.", "quantization"),
            };
        }

        return result;
    }

    private static double ReadQuantile(string value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double q) || !(q > 0.5 && q <= 1.0))
        {
            throw new VectorEngineArgumentException($"int8 'quantile' must be in (0.5, 1]; got '{value}'.", "quantization");
        }

        return q;
    }

    private static int ReadSample(string value)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1)
        {
            throw new VectorEngineArgumentException($"int8 'sample_size' must be a positive integer; got '{value}'.", "quantization");
        }

        return n;
    }
}
