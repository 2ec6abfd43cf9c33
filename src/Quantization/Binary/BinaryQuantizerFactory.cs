using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Binary;

/// <summary>Trains and loads <see cref="BinaryCodes"/>; registered as "binary" by <c>options.UseQuantization()</c>.</summary>
public sealed class BinaryQuantizerFactory : IQuantizerFactory
{
    /// <summary>The registered name.</summary>
    public const string QuantizerName = BinaryParameters.Name;

    /// <inheritdoc />
    public string Name => QuantizerName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count > 0)
        {
            throw new VectorEngineArgumentException(
                $"The binary quantizer takes no parameters; got '{parameters.Keys.First()}'.", "quantization");
        }
    }

    /// <inheritdoc />
    public IQuantizedVectors Train(IVectorStore store, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(store);
        Validate(parameters);
        return BinaryCodes.Train(store);
    }

    /// <inheritdoc />
    public IQuantizedVectors? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder)
    {
        ArgumentNullException.ThrowIfNull(store);
        Validate(parameters);
        return BinaryCodes.TryLoad(store, folder);
    }
}
