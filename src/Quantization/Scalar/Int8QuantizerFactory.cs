using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Scalar;

/// <summary>Trains and loads <see cref="Int8Codes"/>; registered as "int8" by <c>options.UseQuantization()</c>.</summary>
public sealed class Int8QuantizerFactory : IQuantizerFactory
{
    /// <summary>The registered name.</summary>
    public const string QuantizerName = Int8Parameters.Name;

    /// <inheritdoc />
    public string Name => QuantizerName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters) => Int8Parameters.Parse(parameters);

    /// <inheritdoc />
    public IQuantizedVectors Train(IVectorStore store, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Int8Codes.Train(store, Int8Parameters.Parse(parameters));
    }

    /// <inheritdoc />
    public IQuantizedVectors? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Int8Codes.TryLoad(store, Int8Parameters.Parse(parameters), folder);
    }
}
