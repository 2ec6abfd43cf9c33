namespace VectorEngine;

/// <summary>
/// A vector database reached either in-process (<c>VectorDatabase</c>) or over gRPC (VectorEngine.Client's
/// VectorEngineClient): code written against this interface switches between the two by configuration.
/// </summary>
public interface IVectorDatabase : IDisposable, IAsyncDisposable
{
    /// <summary>Creates a collection.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Dimension, metric, index and payload indexes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="CollectionAlreadyExistsException">(Embedded; remotely a <see cref="VectorEngineException"/> of kind AlreadyExists.)</exception>
    Task<IVectorCollection> CreateCollectionAsync(string name, CollectionOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// A collection by name. Embedded, a missing collection throws here; remotely the handle is lazy and its first call
    /// fails with NotFound.
    /// </summary>
    /// <param name="name">The collection name.</param>
    IVectorCollection OpenCollection(string name);

    /// <summary>The collections' names, in ordinal order.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<string>> ListCollectionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops a collection and its files.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task DropCollectionAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// A collection reached in-process (<c>Collection</c>) or over gRPC (VectorEngine.Client's RemoteCollection),
/// with the same requests, results and exception types either way.
/// </summary>
public interface IVectorCollection
{
    /// <summary>The collection name.</summary>
    string Name { get; }

    /// <summary>Counts and sizes.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<CollectionInfo> GetInfoAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces points, applied whole or not at all; returns how many were written.</summary>
    /// <param name="points">The points.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<long> UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken = default);

    /// <summary>Deletes points by id; returns how many existed.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<long> DeleteAsync(IEnumerable<PointId> ids, CancellationToken cancellationToken = default);

    /// <summary>Deletes the points matching a filter; returns how many.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<long> DeleteAsync(Filters.Filter filter, CancellationToken cancellationToken = default);

    /// <summary>Points by id; missing ids are skipped.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="withPayload">Return payloads.</param>
    /// <param name="withVector">Return vectors.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<PointRecord>> GetAsync(IEnumerable<PointId> ids, bool withPayload = true, bool withVector = false,
        CancellationToken cancellationToken = default);

    /// <summary>Points matching a filter (all when null), counted exactly.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<long> CountAsync(Filters.Filter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>One page of points in id order.</summary>
    /// <param name="request">Filter, offset and page size.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<ScrollPage> ScrollAsync(ScrollRequest request, CancellationToken cancellationToken = default);

    /// <summary>The nearest points to a vector.</summary>
    /// <param name="request">Vector, limit, filter and parameters.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    Task<IReadOnlyList<ScoredPoint>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Several searches, answered in order.</summary>
    /// <param name="requests">The searches.</param>
    /// <param name="cancellationToken">Stops the searches.</param>
    Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>
    /// A hybrid query: vector and BM25 stages, each with its own filter and depth, fused into one ranking. On a sharded
    /// cluster collection the server refuses it (Unimplemented) for now.
    /// </summary>
    /// <param name="query">The stages and the fusion.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<IReadOnlyList<FusedPoint>> QueryAsync(HybridQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every point passing <paramref name="filter"/>, in id order, fetched a page at a time as the caller reads
    /// (<see cref="ScrollAsync"/> underneath): a whole collection can be streamed without holding it in memory.
    /// </summary>
    /// <param name="filter">Only points passing it; null for all.</param>
    /// <param name="withPayload">Attach payloads.</param>
    /// <param name="withVector">Attach vectors.</param>
    /// <param name="pageSize">Points per page, 1 to 10,000.</param>
    /// <param name="cancellationToken">Stops the enumeration (checked before each page).</param>
    async IAsyncEnumerable<PointRecord> ScrollAllAsync(Filters.Filter? filter = null, bool withPayload = true, bool withVector = false, int pageSize = 1_000,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        PointId? offset = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            ScrollPage page = await ScrollAsync(new ScrollRequest { Filter = filter, Offset = offset, Limit = pageSize, WithPayload = withPayload, WithVector = withVector }, cancellationToken).ConfigureAwait(false);
            foreach (PointRecord point in page.Points)
            {
                yield return point;
            }

            offset = page.NextOffset;
        }
        while (offset is not null);
    }
}
