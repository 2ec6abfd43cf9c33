using VectorEngine.Filters;
using VectorEngine.Sharding.Coordination;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// The shards this node holds, as local collections of its database, and the operations peers (and this node's own
/// router) run on them. Every call names the collection's incarnation it was routed with: a call routed with the map
/// of a dropped incarnation is refused (Unavailable, safe to retry) rather than landing in shards about to be dropped.
/// A shard the cluster assigned here that has no local collection yet (a write that arrived before this node's watch
/// delivered the new collection) is created on first use, from the definition in etcd.
/// </summary>
public sealed class LocalShards
{
    private readonly VectorDatabase _database;
    private readonly ClusterNode _cluster;
    private readonly Lock _creating = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Creates the view.</summary>
    /// <param name="database">This node's database.</param>
    /// <param name="cluster">This node's cluster membership (definitions and shard maps).</param>
    public LocalShards(VectorDatabase database, ClusterNode cluster)
    {
        _database = database;
        _cluster = cluster;
    }

    /// <summary>Local shard collections of collections this process has never seen (kept, not served).</summary>
    public IReadOnlyList<string> Orphans { get; private set; } = [];

    /// <summary>Writes points to one shard, whole or not at all.</summary>
    public async Task UpsertAsync(string collection, long incarnation, int shard, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        Collection local = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
        local.Upsert(points);
    }

    /// <summary>Deletes by ids or by filter on each listed shard; returns how many went.</summary>
    public async Task<long> DeleteAsync(string collection, long incarnation, IReadOnlyList<int> shards, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken)
    {
        if (ids is null && filter is null)
        {
            throw new VectorEngineArgumentException("A delete needs ids or a filter.", "points_selector");
        }

        long deleted = 0;
        foreach (int shard in shards)
        {
            Collection local = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
            deleted += ids is not null ? local.Delete(ids) : local.Delete(filter!);
        }

        return deleted;
    }

    /// <summary>The best hits over the listed shards, best first.</summary>
    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(string collection, long incarnation, IReadOnlyList<int> shards, SearchRequest request, CancellationToken cancellationToken)
    {
        var parts = new List<IReadOnlyList<ScoredPoint>>(shards.Count);
        DistanceMetric metric = DistanceMetric.L2;
        foreach (int shard in shards)
        {
            Collection local = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
            metric = local.Metric;
            parts.Add(local.Search(request, cancellationToken));
        }

        return ResultMerge.TopK(parts, request.Limit, metric);
    }

    /// <summary>Points matching the filter over the listed shards.</summary>
    public async Task<long> CountAsync(string collection, long incarnation, IReadOnlyList<int> shards, Filter? filter, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (int shard in shards)
        {
            count += (await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false)).Count(filter);
        }

        return count;
    }

    /// <summary>Seals each listed shard's mutable segment and builds its index.</summary>
    public async Task CheckpointAsync(string collection, long incarnation, IReadOnlyList<int> shards, CancellationToken cancellationToken)
    {
        foreach (int shard in shards)
        {
            (await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false)).Checkpoint();
        }
    }

    /// <summary>Up to the request's limit of points from its offset on, in id order, over the listed shards.</summary>
    public async Task<IReadOnlyList<PointRecord>> ScrollAsync(string collection, long incarnation, IReadOnlyList<int> shards, ScrollRequest request, CancellationToken cancellationToken)
    {
        var parts = new List<IReadOnlyList<PointRecord>>(shards.Count);
        foreach (int shard in shards)
        {
            parts.Add((await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false)).Scroll(request).Points);
        }

        return ResultMerge.ById(parts, request.Limit);
    }

    /// <summary>
    /// Makes the local collections match the cluster: creates the shards assigned here that are missing; drops shards of
    /// an incarnation older than the one the cluster holds now (the name was dropped and created again) and of a
    /// collection this process saw dropped. Shards of a collection it never saw (an empty etcd prefix, another
    /// cluster's) are kept and reported in <see cref="Orphans"/>: data is never deleted on an absence alone.
    /// Returns (created, dropped).
    /// </summary>
    public (int Created, int Dropped) Reconcile()
    {
        int created = 0, dropped = 0;
        IReadOnlyDictionary<string, ClusterCollection> collections = _cluster.Collections;
        _seen.UnionWith(collections.Keys);
        foreach (ClusterCollection collection in collections.Values)
        {
            foreach (Placement.ShardAssignment shard in collection.Map.Shards)
            {
                if (shard.Nodes.Contains(_cluster.Self.NodeId))
                {
                    EnsureLocal(collection, shard.ShardId, out bool made);
                    created += made ? 1 : 0;
                }
            }
        }

        var orphans = new List<string>();
        foreach (string local in _database.ListCollections())
        {
            if (!ShardNames.TryParse(local, out string name, out long incarnation, out _))
            {
                continue;
            }

            if (collections.TryGetValue(name, out ClusterCollection? current))
            {
                // Older: that incarnation was dropped. Newer: created on demand from etcd before this view caught up; kept.
                if (incarnation < current.Incarnation)
                {
                    _database.DropCollection(local);
                    dropped++;
                }
            }
            else if (_seen.Contains(name))
            {
                _database.DropCollection(local);
                dropped++;
            }
            else
            {
                orphans.Add(local);
            }
        }

        Orphans = orphans;
        return (created, dropped);
    }

    private async Task<Collection> ResolveAsync(string collection, long incarnation, int shard, CancellationToken cancellationToken)
    {
        if (_database.TryGetCollection(ShardNames.Local(collection, incarnation, shard), out Collection? local))
        {
            return local!;
        }

        ClusterCollection? definition = _cluster.Collections.GetValueOrDefault(collection);
        if (definition is null || definition.Incarnation != incarnation)
        {
            definition = await _cluster.ReadCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        }

        if (definition is null || definition.Incarnation != incarnation)
        {
            throw new VectorEngineException(VectorEngineErrorKind.Unavailable,
                $"Collection '{collection}' was dropped or created again since this call was routed; retry it.");
        }

        if (shard < 0 || shard >= definition.Map.Shards.Count || !definition.Map.NodesOf(shard).Contains(_cluster.Self.NodeId))
        {
            throw new ShardNotHereException(collection, shard, _cluster.Self.NodeId);
        }

        return EnsureLocal(definition, shard, out _);
    }

    private Collection EnsureLocal(ClusterCollection definition, int shard, out bool created)
    {
        string name = ShardNames.Local(definition.Name, definition.Incarnation, shard);
        lock (_creating)
        {
            created = false;
            if (_database.TryGetCollection(name, out Collection? existing))
            {
                return existing!;
            }

            created = true;
            return _database.CreateCollection(name, definition.Options);
        }
    }
}
