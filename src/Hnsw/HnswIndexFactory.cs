using VectorEngine.Indexing;

namespace VectorEngine.Hnsw;

/// <summary>Creates and loads <see cref="HnswIndex"/> instances; registered as "hnsw" by <c>options.UseHnsw()</c>.</summary>
public sealed class HnswIndexFactory : IVectorIndexFactory
{
    /// <inheritdoc />
    public string Name => HnswParameters.IndexName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters) => HnswParameters.Parse(parameters);

    /// <inheritdoc />
    public IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters) =>
        HnswIndex.Build(store, HnswParameters.Parse(parameters));

    /// <inheritdoc />
    public IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, string directory) =>
        HnswIndex.Load(store, HnswParameters.Parse(parameters), directory);
}
