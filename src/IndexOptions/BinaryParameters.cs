using VectorEngine.Indexing.Quantization;

namespace VectorEngine.Quantization.Binary;

/// <summary>Binary quantization: one bit per dimension (its sign); it has no settings of its own.</summary>
public sealed record BinaryParameters : IQuantizerParameters
{
    /// <summary>The registered quantizer name.</summary>
    public const string Name = "binary";

    /// <inheritdoc />
    public string QuantizerName => Name;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> ToDictionary() => new Dictionary<string, string>();

    /// <summary>Checks stored parameters: there are none.</summary>
    /// <param name="parameters">Name/value pairs.</param>
    /// <exception cref="VectorEngineArgumentException">Any key.</exception>
    public static BinaryParameters Parse(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count > 0)
        {
            throw new VectorEngineArgumentException($"The binary quantizer takes no parameters; got '{parameters.Keys.First()}'.", "quantization");
        }

        return new BinaryParameters();
    }
}
