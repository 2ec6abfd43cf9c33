using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Hnsw.Search;

/// <summary>
/// Everything one search or one insert needs besides the graph: visited marks, the candidate queue, the result set,
/// the padded query and scratch lists. Pooled per index, so a warm query allocates nothing.
/// </summary>
internal sealed class SearchContext
{
    public SearchContext(int maxLinks)
    {
        Batch = new uint[maxLinks];
        Links = new uint[maxLinks + 1];
    }

    public VisitedSet Visited { get; } = new();

    public DistanceHeap<ClosestFirst> Candidates { get; } = new();

    public DistanceHeap<FarthestFirst> Results { get; } = new();

    /// <summary>The sorted beam of an unfiltered layer-0 search.</summary>
    public BeamBuffer Beam { get; } = new();

    public QueryBuffer Query { get; } = new();

    /// <summary>The quantizer's prepared query (quantized searches only).</summary>
    public ScratchBuffer Scratch { get; } = new();

    /// <summary>Unvisited neighbours of the node being expanded, scored together after a prefetch.</summary>
    public uint[] Batch { get; }

    /// <summary>A copy of one neighbour list taken under its node's lock (inserts only).</summary>
    public uint[] Links { get; }

    /// <summary>Candidates of the neighbour-selection heuristic, closest first (inserts only).</summary>
    public List<Scored> Sorted { get; } = new(512);

    /// <summary>What the heuristic kept (inserts only).</summary>
    public List<Scored> Selected { get; } = new(64);
}
