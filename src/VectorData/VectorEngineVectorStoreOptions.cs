using Microsoft.Extensions.AI;

namespace VectorEngine.VectorData;

/// <summary>Options of a <see cref="VectorEngineVectorStore"/>.</summary>
public sealed class VectorEngineVectorStoreOptions
{
    /// <summary>The embedding generator of every collection that names none of its own (at collection or property level).</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>Whether disposing the store disposes the database it wraps. False by default: the database usually outlives the store (in DI it is a singleton of its own).</summary>
    public bool OwnsDatabase { get; set; }
}
