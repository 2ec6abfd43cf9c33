namespace VectorEngine;

/// <summary>
/// <see cref="IVectorCollection"/> for the embedded engine, so embedded and remote collections share one interface.
/// Upserts and deletes by id are asynchronous to the end: they await the embedding generator, the WAL's group commit
/// and their turn to apply, holding no thread. Reads and searches are CPU work with nothing to wait for and run on the
/// caller's thread; the token is checked first and, for searches, during the search.
/// </summary>
public sealed partial class Collection : IVectorCollection
{
    Task<CollectionInfo> IVectorCollection.GetInfoAsync(CancellationToken cancellationToken) => CompletedTasks.Run(GetInfo, cancellationToken);

    async Task<long> IVectorCollection.UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        await UpsertAsync(points, cancellationToken).ConfigureAwait(false);
        return points.Count;
    }

    async Task<long> IVectorCollection.DeleteAsync(IEnumerable<PointId> ids, CancellationToken cancellationToken) =>
        await DeleteAsync(ids, cancellationToken).ConfigureAwait(false);

    Task<long> IVectorCollection.DeleteAsync(Filters.Filter filter, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => (long)Delete(filter), cancellationToken);

    Task<IReadOnlyList<PointRecord>> IVectorCollection.GetAsync(IEnumerable<PointId> ids, bool withPayload, bool withVector,
        CancellationToken cancellationToken) => CompletedTasks.Run(() => Get(ids, withPayload, withVector), cancellationToken);

    Task<long> IVectorCollection.CountAsync(Filters.Filter? filter, CancellationToken cancellationToken) => CompletedTasks.Run(() => Count(filter), cancellationToken);

    Task<ScrollPage> IVectorCollection.ScrollAsync(ScrollRequest request, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => Scroll(request), cancellationToken);

    Task<IReadOnlyList<ScoredPoint>> IVectorCollection.SearchAsync(SearchRequest request, CancellationToken cancellationToken) =>
        CompletedTasks.Run<IReadOnlyList<ScoredPoint>>(() => Search(request, cancellationToken), cancellationToken);

    Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> IVectorCollection.SearchBatchAsync(IReadOnlyList<SearchRequest> requests,
        CancellationToken cancellationToken) => CompletedTasks.Run(() => SearchBatch(requests, cancellationToken), cancellationToken);

    Task<IReadOnlyList<FusedPoint>> IVectorCollection.QueryAsync(HybridQuery query, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => Query(query, cancellationToken), cancellationToken);
}
