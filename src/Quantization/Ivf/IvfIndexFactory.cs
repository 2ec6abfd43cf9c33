using VectorEngine.Indexing;
using VectorEngine.Storage;

namespace VectorEngine.Quantization.Ivf;

/// <summary>Creates and loads <see cref="IvfIndex"/> instances; registered as "ivf" by <c>options.UseIvf()</c>.</summary>
public sealed class IvfIndexFactory : IVectorIndexFactory
{
    /// <inheritdoc />
    public string Name => IvfParameters.IndexName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters) => IvfParameters.Parse(parameters);

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters, int dimension)
    {
        IvfParameters parsed = IvfParameters.Parse(parameters);
        if (parsed.Encoding == IvfEncoding.Pq)
        {
            parsed.Pq.SubQuantizersFor(dimension);
        }
    }

    /// <inheritdoc />
    public IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters) =>
        IvfIndex.Build(store, IvfParameters.Parse(parameters));

    /// <inheritdoc />
    public IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder) =>
        IvfIndex.Load(store, IvfParameters.Parse(parameters), folder);
}
