using VectorEngine.Storage;

namespace VectorEngine.Indexing.Quantization;

/// <summary>Trains, and reloads, one kind of <see cref="IQuantizedVectors"/>; registered by name in <see cref="QuantizerRegistry"/>.</summary>
public interface IQuantizerFactory
{
    /// <summary>The quantizer's name, stored in index parameters so a reopened database reloads the same codes.</summary>
    string Name { get; }

    /// <summary>Checks quantizer parameters before a collection is created; throws <see cref="VectorEngineArgumentException"/>.</summary>
    /// <param name="parameters">Name/value parameters.</param>
    void Validate(IReadOnlyDictionary<string, string> parameters);

    /// <summary>Checks quantizer parameters against the vector dimension too; throws <see cref="VectorEngineArgumentException"/>.</summary>
    /// <param name="parameters">Name/value parameters.</param>
    /// <param name="dimension">The collection's vector dimension.</param>
    void Validate(IReadOnlyDictionary<string, string> parameters, int dimension) => Validate(parameters);

    /// <summary>Trains on (a sample of) <paramref name="store"/> and encodes all of its rows.</summary>
    /// <param name="store">The float vectors.</param>
    /// <param name="parameters">Name/value parameters.</param>
    IQuantizedVectors Train(IVectorStore store, IReadOnlyDictionary<string, string> parameters);

    /// <summary>Loads codes saved by <see cref="IQuantizedVectors.Save"/>; null when none match the store (then train).</summary>
    /// <param name="store">The float vectors the codes were made from.</param>
    /// <param name="parameters">Name/value parameters.</param>
    /// <param name="folder">The segment folder, on the database's file system.</param>
    IQuantizedVectors? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder);
}
