using Microsoft.Extensions.VectorData;
using VectorEngine.Indexing;

namespace VectorEngine.VectorData;

/// <summary>Options of one <see cref="VectorEngineCollection{TKey, TRecord}"/>: the record definition and embedding generator of the abstraction, and the engine's own index choice.</summary>
public sealed class VectorEngineCollectionOptions : VectorStoreCollectionOptions
{
    /// <summary>Empty options: the schema comes from the record type's attributes.</summary>
    public VectorEngineCollectionOptions()
    {
    }

    /// <summary>A copy of <paramref name="source"/>.</summary>
    /// <param name="source">The options to copy.</param>
    public VectorEngineCollectionOptions(VectorEngineCollectionOptions source)
        : base(source)
    {
        Index = source.Index;
    }

    /// <summary>
    /// The engine index the collection is created with (for example <c>HnswParameters.ToSpec()</c> with a quantizer),
    /// taking precedence over the vector property's <see cref="IndexKind"/>. Null: the index kind decides (Hnsw or
    /// Flat), and without one the database's default index.
    /// </summary>
    public IndexSpec? Index { get; set; }
}
