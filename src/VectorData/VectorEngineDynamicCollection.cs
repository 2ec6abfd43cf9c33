using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData;

/// <summary>
/// A VectorEngine collection of dynamic records: each record a <c>Dictionary&lt;string, object?&gt;</c> keyed by the
/// property names of a <see cref="VectorStoreCollectionDefinition"/>, with no .NET type behind it.
/// </summary>
public sealed class VectorEngineDynamicCollection : VectorEngineCollection<object, Dictionary<string, object?>>
{
    /// <summary>A dynamic collection named <paramref name="name"/> in <paramref name="database"/>, its schema from <paramref name="options"/>' definition.</summary>
    /// <param name="database">The embedded database or client that holds the collection.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">The record definition (required) and embedding generator.</param>
    public VectorEngineDynamicCollection(IVectorDatabase database, string name, VectorEngineCollectionOptions options)
        : base(database, name, static options => new VectorEngineModelBuilder().BuildDynamic(
            options.Definition ?? throw new ArgumentException("A dynamic collection needs a record definition.", nameof(options)), options.EmbeddingGenerator),
            options)
    {
    }
}
