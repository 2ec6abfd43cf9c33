using Microsoft.Extensions.ObjectPool;
using VectorEngine.Hnsw.Graph;
using VectorEngine.Hnsw.Persistence;
using VectorEngine.Hnsw.Search;
using VectorEngine.Indexing;
using VectorEngine.Indexing.Quantization;
using VectorEngine.Storage;

namespace VectorEngine.Hnsw;

/// <summary>
/// Hierarchical Navigable Small World graph (Malkov &amp; Yashunin, 2016) over one segment's vectors. Offsets are the
/// segment's own uint32 row numbers, so the graph stores no ids and no vectors. Builds run on all cores with a lock
/// per node; searches take no lock and may run while points are added.
/// </summary>
public sealed partial class HnswIndex : IVectorIndex
{
    private readonly IVectorStore _store;
    private readonly HnswGraph _graph;
    private readonly NodeLocks _locks;
    private readonly Lock _entryGate = new();
    private readonly DefaultObjectPool<SearchContext> _contexts;
    private readonly Random _levelRandom;
    private readonly double _levelMultiplier;
    private readonly IQuantizedVectors? _codes;
    private int _count;

    private HnswIndex(IVectorStore store, HnswParameters parameters, HnswGraph graph, int count, IQuantizedVectors? codes = null)
    {
        _codes = codes;
        _store = store;
        Parameters = parameters;
        _graph = graph;
        _count = count;
        _locks = new NodeLocks(graph.Capacity);
        _levelRandom = new Random(parameters.Seed);
        _levelMultiplier = 1.0 / Math.Log(parameters.M);
        _contexts = new DefaultObjectPool<SearchContext>(new ContextPolicy(graph.MaxM0), Environment.ProcessorCount * 4);
    }

    /// <summary>The graph's parameters.</summary>
    public HnswParameters Parameters { get; }

    /// <inheritdoc />
    public string Name => HnswParameters.IndexName;

    /// <inheritdoc />
    public long MemoryBytes => _graph.MemoryBytes + (_codes?.MemoryBytes ?? 0);

    /// <inheritdoc />
    public bool IsExact => false;

    /// <inheritdoc />
    /// <remarks>The traversal model, with this index's own default beam when the search sets none.</remarks>
    public double EstimateSearchCost(SearchParams parameters, int k, long points, long matches) =>
        Searching.SearchCost.FilteredTraversal(points, Math.Max(parameters.Ef ?? Parameters.Ef, k), matches);

    /// <inheritdoc />
    public long CodeMemoryBytes => _codes?.MemoryBytes ?? 0;

    /// <summary>The codes searches traverse, or null when they traverse the float vectors.</summary>
    public IQuantizedVectors? Codes => _codes;

    /// <summary>Nodes in the graph.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The highest layer in the graph (-1 when empty).</summary>
    public int MaxLevel => _graph.Entry.Level;

    /// <summary>Builds a graph over every row of <paramref name="store"/>.</summary>
    /// <param name="store">The vectors (their metric picks the distance).</param>
    /// <param name="parameters">Graph parameters.</param>
    /// <param name="quantizer">
    /// Trains the codes searches traverse when <see cref="HnswParameters.Quantization"/> names one; null for a float graph.
    /// </param>
    /// <exception cref="VectorEngineArgumentException">A parameter is out of range, or a quantizer is named but not given.</exception>
    public static HnswIndex Build(IVectorStore store, HnswParameters parameters, IQuantizerFactory? quantizer = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        IQuantizedVectors? codes = Quantizer(parameters, quantizer)?.Train(store, parameters.QuantizerParameters);
        var index = new HnswIndex(store, parameters, new HnswGraph(parameters.M, Math.Max(store.Count, 1)), 0, codes);
        index.Add(0);
        return index;
    }

    /// <summary>Loads a graph saved by <see cref="Save"/>; null when none is there or it does not match the store.</summary>
    /// <param name="store">The vectors the graph was built over.</param>
    /// <param name="parameters">The parameters the collection asks for.</param>
    /// <param name="folder">The segment folder.</param>
    /// <param name="quantizer">The quantizer, for a quantized graph; codes that are missing or stale are trained again and saved.</param>
    public static HnswIndex? Load(IVectorStore store, HnswParameters parameters, StorageFolder folder, IQuantizerFactory? quantizer = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parameters);
        HnswGraph? graph = HnswGraphFile.TryRead(folder, parameters.M, store.Count, store.Metric);
        if (graph is null)
        {
            return null;
        }

        IQuantizedVectors? codes = null;
        if (Quantizer(parameters, quantizer) is { } factory)
        {
            codes = factory.Load(store, parameters.QuantizerParameters, folder);
            if (codes is null)
            {
                codes = factory.Train(store, parameters.QuantizerParameters);
                try
                {
                    codes.Save(folder);
                }
                catch
                {
                    codes.Dispose();
                    throw;
                }
            }
        }

        return new HnswIndex(store, parameters, graph, store.Count, codes);
    }

    /// <inheritdoc />
    public void Save(StorageFolder folder)
    {
        HnswGraphFile.Write(folder, _graph, Count, _store.Metric);
        _codes?.Save(folder);
    }

    /// <inheritdoc />
    public void Dispose() => _codes?.Dispose();

    private static IQuantizerFactory? Quantizer(HnswParameters parameters, IQuantizerFactory? quantizer)
    {
        if (parameters.Quantization is null)
        {
            return null;
        }

        if (quantizer is null || !string.Equals(quantizer.Name, parameters.Quantization, StringComparison.OrdinalIgnoreCase))
        {
            throw new VectorEngineArgumentException(
                $"HNSW parameters ask for quantization '{parameters.Quantization}' but no such quantizer was given.", "index");
        }

        return quantizer;
    }

    private sealed class ContextPolicy(int maxLinks) : PooledObjectPolicy<SearchContext>
    {
        public override SearchContext Create() => new(maxLinks);

        public override bool Return(SearchContext obj) => true;
    }
}
