using VectorEngine.Filters;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// Carries one node's part of a cluster call to that node. Sharding decides what goes where; the server implements
/// this over its internal gRPC service (with deadlines, retries and a circuit breaker per peer), and calls to this
/// node itself go straight to <see cref="LocalShards"/>. Every call carries the collection's incarnation it was routed
/// with (<see cref="Coordination.ClusterCollection.Incarnation"/>).
/// </summary>
public interface IShardTransport
{
    /// <summary>Writes points to one shard on <paramref name="node"/>, whole or not at all.</summary>
    Task UpsertAsync(string node, string collection, long incarnation, int shard, IReadOnlyList<Point> points, CancellationToken cancellationToken);

    /// <summary>Deletes by ids (when given) or by filter on the listed shards of <paramref name="node"/>; returns how many went.</summary>
    Task<long> DeleteAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken);

    /// <summary>
    /// The best <see cref="SearchRequest.Limit"/> hits over the listed shards of <paramref name="node"/>, best first;
    /// with <paramref name="confirmPrimary"/>, only as those shards' confirmed primary (a majority read).
    /// </summary>
    Task<IReadOnlyList<ScoredPoint>> SearchAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, SearchRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false);

    /// <summary>Points matching <paramref name="filter"/> on the listed shards of <paramref name="node"/> (see <see cref="SearchAsync"/> for <paramref name="confirmPrimary"/>).</summary>
    Task<long> CountAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, Filter? filter, CancellationToken cancellationToken, bool confirmPrimary = false);

    /// <summary>Seals the listed shards' mutable segments on <paramref name="node"/> and builds their indexes.</summary>
    Task CheckpointAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, CancellationToken cancellationToken);

    /// <summary>Up to <see cref="ScrollRequest.Limit"/> points from <see cref="ScrollRequest.Offset"/> on, in id order, over the listed shards.</summary>
    Task<IReadOnlyList<PointRecord>> ScrollAsync(string node, string collection, long incarnation, IReadOnlyList<int> shards, ScrollRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false);
}
