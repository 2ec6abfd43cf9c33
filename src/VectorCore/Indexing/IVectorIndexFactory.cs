using VectorEngine.Storage;

namespace VectorEngine.Indexing;

/// <summary>Creates and loads one index type; registered in an <see cref="IndexRegistry"/> under <see cref="Name"/>.</summary>
public interface IVectorIndexFactory
{
    /// <summary>The type's name, stored in collection configs so a reopened database rebuilds the right index.</summary>
    string Name { get; }

    /// <summary>Checks index parameters before a collection is created; throws <see cref="VectorEngineArgumentException"/>.</summary>
    /// <param name="parameters">Name/value parameters from <see cref="IndexSpec"/>.</param>
    void Validate(IReadOnlyDictionary<string, string> parameters);

    /// <summary>
    /// Checks index parameters against the collection's dimension too (a PQ sub-quantizer count must divide it), so a
    /// bad combination is refused when the collection is created rather than when its first segment is sealed.
    /// </summary>
    /// <param name="parameters">Name/value parameters from <see cref="IndexSpec"/>.</param>
    /// <param name="dimension">The collection's vector dimension.</param>
    void Validate(IReadOnlyDictionary<string, string> parameters, int dimension) => Validate(parameters);

    /// <summary>Builds an index over all rows of <paramref name="store"/>.</summary>
    /// <param name="store">The vectors.</param>
    /// <param name="parameters">Name/value parameters.</param>
    IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters);

    /// <summary>Loads an index saved by <see cref="IVectorIndex.Save"/>; returns null when no saved index exists (the engine then builds one).</summary>
    /// <param name="store">The vectors.</param>
    /// <param name="parameters">Name/value parameters.</param>
    /// <param name="folder">The segment folder, on the database's file system.</param>
    IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder);

    /// <summary>
    /// Loads the index in a form whose searches traverse compressed codes (<paramref name="quantization"/>, e.g. "int8"),
    /// reading the float vectors only to rescore: what a warm segment keeps in memory. Codes missing from the folder are
    /// trained and saved there. Returns null when this index type has no such form or no saved index (the engine then
    /// keeps the index as it is, its float vectors read from disk).
    /// </summary>
    /// <param name="store">The vectors.</param>
    /// <param name="parameters">The collection's index parameters.</param>
    /// <param name="folder">The segment folder.</param>
    /// <param name="quantization">The quantizer to traverse with, when the index does not traverse codes already.</param>
    IVectorIndex? LoadCompressed(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder, string quantization) => null;
}
