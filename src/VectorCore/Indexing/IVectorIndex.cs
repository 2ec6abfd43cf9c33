using VectorEngine.Storage;

namespace VectorEngine.Indexing;

/// <summary>
/// A search structure over one segment's vectors. VectorCore defines the contract and the exact <see cref="FlatIndex"/>;
/// other packages (HNSW, IVF) implement it and register an <see cref="IVectorIndexFactory"/> by name.
/// </summary>
/// <remarks>
/// Searches run concurrently with each other; <see cref="Add"/> is called for points appended to a mutable segment and
/// never concurrently with itself. The engine handles tombstones and payload filters through <see cref="IOffsetFilter"/>.
/// </remarks>
public interface IVectorIndex : IDisposable
{
    /// <summary>The registered name of the index type (e.g. "flat", "hnsw").</summary>
    string Name { get; }

    /// <summary>Bytes the index holds in memory, excluding the vectors themselves.</summary>
    long MemoryBytes { get; }

    /// <summary>True when results are exact (the planner then never needs an exact re-scan).</summary>
    bool IsExact { get; }

    /// <summary>
    /// Bytes of compressed codes (included in <see cref="MemoryBytes"/>) that searches traverse instead of the float
    /// vectors, reading those only to rescore a few candidates, so the float rows need not stay in memory; 0 when
    /// searches traverse the float vectors.
    /// </summary>
    long CodeMemoryBytes => 0;

    /// <summary>
    /// How many code-distance candidates a search of <paramref name="k"/> results rescores with the float vectors
    /// (k · oversampling), or 0 when the index traverses the float vectors or the search does not rescore. A warm
    /// segment, whose float rows are read from disk, is searched for that many candidates with rescoring off and
    /// oversampling 1 (code distances), and the collection rescores only the best candidates pooled over all its warm
    /// segments rather than each segment's own.
    /// </summary>
    /// <param name="parameters">Search-time parameters.</param>
    /// <param name="k">Results asked for.</param>
    int RescoreCandidates(SearchParams parameters, int k) => 0;

    /// <summary>
    /// What one search costs, in distance computations (the planner's unit: an exact scan of m rows costs m), when it must
    /// return <paramref name="k"/> results and <paramref name="matches"/> of the index's rows pass the search's filter
    /// (all of them without a filter). The planner scans the matches exactly instead when that is cheaper. The default
    /// models a best-first traversal with a beam of <see cref="SearchParams.Ef"/> (64 when unset); see
    /// <see cref="Searching.SearchCost.FilteredTraversal"/>.
    /// </summary>
    /// <param name="parameters">Search-time parameters.</param>
    /// <param name="k">Results asked for.</param>
    /// <param name="points">Rows the index covers.</param>
    /// <param name="matches">Rows that pass the filter.</param>
    double EstimateSearchCost(SearchParams parameters, int k, long points, long matches) =>
        IsExact ? points : Searching.SearchCost.FilteredTraversal(points, Math.Max(parameters.Ef ?? 64, k), matches);

    /// <summary>Adds the rows [<paramref name="fromOffset"/>, store count) appended since the last call.</summary>
    /// <param name="fromOffset">The first new row.</param>
    void Add(uint fromOffset);

    /// <summary>Finds the nearest accepted offsets to <paramref name="query"/> and offers them to <paramref name="results"/>.</summary>
    /// <typeparam name="TFilter">The acceptance test.</typeparam>
    /// <param name="query">The query, already preprocessed for the metric (normalised for cosine).</param>
    /// <param name="parameters">Search-time parameters.</param>
    /// <param name="filter">Which offsets may be returned.</param>
    /// <param name="results">Receives (distance, offset) pairs.</param>
    void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results)
        where TFilter : struct, IOffsetFilter;

    /// <summary>
    /// As <see cref="Search{TFilter}(ReadOnlySpan{float}, SearchParams, TFilter, TopKCollector)"/>, stopping with
    /// <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> is cancelled (a server call's
    /// deadline). Indexes check it every few hundred steps; the default checks only before starting.
    /// </summary>
    /// <typeparam name="TFilter">The acceptance test.</typeparam>
    /// <param name="query">The query, already preprocessed for the metric.</param>
    /// <param name="parameters">Search-time parameters.</param>
    /// <param name="filter">Which offsets may be returned.</param>
    /// <param name="results">Receives (distance, offset) pairs.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    void Search<TFilter>(ReadOnlySpan<float> query, SearchParams parameters, TFilter filter, TopKCollector results, CancellationToken cancellationToken)
        where TFilter : struct, IOffsetFilter
    {
        cancellationToken.ThrowIfCancellationRequested();
        Search(query, parameters, filter, results);
    }

    /// <summary>Writes the index's files into <paramref name="folder"/> (the sealed segment's folder).</summary>
    /// <param name="folder">The segment folder, on the database's file system.</param>
    void Save(StorageFolder folder);
}
