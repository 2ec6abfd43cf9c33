using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Product;

/// <summary>Trains and loads <see cref="PqCodes"/>; registered as "pq" by <c>options.UseQuantization()</c>.</summary>
public sealed class PqQuantizerFactory : IQuantizerFactory
{
    /// <summary>The registered name.</summary>
    public const string QuantizerName = PqParameters.Name;

    /// <inheritdoc />
    public string Name => QuantizerName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters) => PqParameters.Parse(parameters);

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters, int dimension) =>
        PqParameters.Parse(parameters).SubQuantizersFor(dimension);

    /// <inheritdoc />
    public IQuantizedVectors Train(IVectorStore store, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(store);
        return PqCodes.Train(store, PqParameters.Parse(parameters));
    }

    /// <inheritdoc />
    public IQuantizedVectors? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder)
    {
        ArgumentNullException.ThrowIfNull(store);
        return PqCodes.TryLoad(store, PqParameters.Parse(parameters), folder);
    }
}
