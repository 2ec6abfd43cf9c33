namespace VectorEngine;

/// <summary>
/// <see cref="IVectorCollection"/> over the synchronous methods, so embedded and remote collections share one
/// interface. The work runs on the caller's thread (an in-process call has nothing to wait for); the token is checked
/// first and, for searches, during the search.
/// </summary>
public sealed partial class Collection : IVectorCollection
{
    Task<CollectionInfo> IVectorCollection.GetInfoAsync(CancellationToken cancellationToken) => CompletedTasks.Run(GetInfo, cancellationToken);

    Task<long> IVectorCollection.UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() =>
        {
            Upsert(points);
            return (long)points.Count;
        }, cancellationToken);

    Task<long> IVectorCollection.DeleteAsync(IEnumerable<PointId> ids, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => (long)Delete(ids), cancellationToken);

    Task<long> IVectorCollection.DeleteAsync(Filters.Filter filter, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => (long)Delete(filter), cancellationToken);

    Task<IReadOnlyList<PointRecord>> IVectorCollection.GetAsync(IEnumerable<PointId> ids, bool withPayload, bool withVector,
        CancellationToken cancellationToken) => CompletedTasks.Run(() => Get(ids, withPayload, withVector), cancellationToken);

    Task<long> IVectorCollection.CountAsync(Filters.Filter? filter, CancellationToken cancellationToken) => CompletedTasks.Run(() => Count(filter), cancellationToken);

    Task<ScrollPage> IVectorCollection.ScrollAsync(ScrollRequest request, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => Scroll(request), cancellationToken);

    Task<IReadOnlyList<ScoredPoint>> IVectorCollection.SearchAsync(SearchRequest request, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => Search(request, cancellationToken), cancellationToken);

    Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> IVectorCollection.SearchBatchAsync(IReadOnlyList<SearchRequest> requests,
        CancellationToken cancellationToken) => CompletedTasks.Run(() => SearchBatch(requests, cancellationToken), cancellationToken);

    Task<IReadOnlyList<FusedPoint>> IVectorCollection.QueryAsync(HybridQuery query, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() => Query(query, cancellationToken), cancellationToken);
}
