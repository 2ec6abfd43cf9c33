using VectorEngine.Storage;

namespace VectorEngine.Indexing;

/// <summary>
/// The exact index: a SIMD scan over the segment's vectors. It holds no structure of its own, so adding points is free
/// and its results are the ground truth other indexes are tested against.
/// </summary>
public sealed class FlatIndex : IVectorIndex
{
    private readonly IVectorStore _store;

    /// <summary>Creates a flat index over <paramref name="store"/>.</summary>
    /// <param name="store">The vectors.</param>
    public FlatIndex(IVectorStore store)
    {
        _store = store;
    }

    /// <inheritdoc />
    public string Name => FlatIndexFactory.IndexName;

    /// <inheritdoc />
    public long MemoryBytes => 0;

    /// <inheritdoc />
    public bool IsExact => true;

    /// <inheritdoc />
    public void Add(uint fromOffset)
    {
    }

    /// <inheritdoc />
    public void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results)
        where TFilter : struct, IOffsetFilter =>
        ExactScan.All(_store, query, filter, results);

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}

/// <summary>Creates <see cref="FlatIndex"/> instances; registered as "flat".</summary>
public sealed class FlatIndexFactory : IVectorIndexFactory
{
    /// <summary>The registered name.</summary>
    public const string IndexName = IndexSpec.FlatName;

    /// <inheritdoc />
    public string Name => IndexName;

    /// <inheritdoc />
    public void Validate(IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.Count > 0)
        {
            throw new VectorEngineArgumentException($"The flat index takes no parameters; got {string.Join(", ", parameters.Keys)}.", "index");
        }
    }

    /// <inheritdoc />
    public IVectorIndex Build(IVectorStore store, IReadOnlyDictionary<string, string> parameters) => new FlatIndex(store);

    /// <inheritdoc />
    public IVectorIndex? Load(IVectorStore store, IReadOnlyDictionary<string, string> parameters, StorageFolder folder) => new FlatIndex(store);
}
