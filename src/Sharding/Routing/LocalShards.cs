using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VectorEngine.Api.Cluster.V1;
using VectorEngine.Filters;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Replication;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// The shards this node holds, as local collections of its database, and the operations peers (and this node's own
/// router) run on them. Every call names the collection's incarnation it was routed with: a call routed with the map
/// of a dropped incarnation is refused (Unavailable, safe to retry) once this node has seen the drop. Before it has,
/// the dropped incarnation's copy here still takes writes: the router confirms the incarnation in etcd before it
/// acknowledges one (<see cref="ShardRouter"/>), so such a write is run again on the new incarnation, never lost.
/// A shard the cluster assigned here that has no local collection yet (a write that arrived before this node's watch
/// delivered the new collection) is created on first use, from the definition in etcd.
/// Each local shard is a <see cref="ShardReplica"/>: writes go through its primary's replication log, reads are
/// served by a copy only once it has caught up, and its role follows the shard map (<see cref="ReconcileAsync"/>).
/// </summary>
public sealed class LocalShards : IAsyncDisposable
{
    private const string LogsFolder = "shard-logs";
    private readonly VectorDatabase _database;
    private readonly ClusterNode _cluster;
    private readonly IReplicationTransport _transport;
    private readonly ReplicationOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _creating = new();
    // Read without the lock (every shard call looks its copy up here, and must not wait while another shard's copy is
    // created under it, which opens a collection); changed only under it.
    private readonly ConcurrentDictionary<string, ShardReplica> _replicas = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Creates the view.</summary>
    /// <param name="database">This node's database.</param>
    /// <param name="cluster">This node's cluster membership (definitions and shard maps).</param>
    /// <param name="transport">Replication to the other copies.</param>
    /// <param name="options">Replication tuning.</param>
    /// <param name="logger">Where role changes and repairs are logged.</param>
    public LocalShards(VectorDatabase database, ClusterNode cluster, IReplicationTransport transport, ReplicationOptions options, ILogger logger)
    {
        _database = database;
        _cluster = cluster;
        _transport = transport;
        _options = options;
        _logger = logger;
    }

    /// <summary>Local shard collections of collections this process has never seen (kept, not served).</summary>
    public IReadOnlyList<string> Orphans { get; private set; } = [];

    /// <summary>This node's copies now.</summary>
    internal IReadOnlyList<ShardReplica> Replicas => _replicas.Values.ToArray();

    /// <summary>Replica copies found different from their primary here by anti-entropy (each rebuilt from a snapshot).</summary>
    public long AntiEntropyMismatches => Replicas.Sum(r => r.Mismatches);

    /// <summary>Writes points to one shard through its primary here, whole or not at all; returns once enough copies hold them.</summary>
    public async Task UpsertAsync(string collection, long incarnation, int shard, IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        ShardReplica local = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
        await local.UpsertAsync(points, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes by ids or by filter on each listed shard (whose primary is here); returns how many went.</summary>
    public async Task<long> DeleteAsync(string collection, long incarnation, IReadOnlyList<int> shards, IReadOnlyList<PointId>? ids, Filter? filter, CancellationToken cancellationToken)
    {
        if (ids is null && filter is null)
        {
            throw new VectorEngineArgumentException("A delete needs ids or a filter.", "points_selector");
        }

        long deleted = 0;
        foreach (int shard in shards)
        {
            ShardReplica local = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
            deleted += await local.DeleteAsync(ids, filter, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <summary>The best hits over the listed shards, best first.</summary>
    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(string collection, long incarnation, IReadOnlyList<int> shards, SearchRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false)
    {
        var parts = new List<IReadOnlyList<ScoredPoint>>(shards.Count);
        DistanceMetric metric = DistanceMetric.L2;
        foreach (int shard in shards)
        {
            Collection local = await ReadableAsync(collection, incarnation, shard, confirmPrimary, cancellationToken).ConfigureAwait(false);
            metric = local.Metric;
            parts.Add(local.Search(request, cancellationToken));
        }

        return ResultMerge.TopK(parts, request.Limit, metric);
    }

    /// <summary>Points matching the filter over the listed shards.</summary>
    public async Task<long> CountAsync(string collection, long incarnation, IReadOnlyList<int> shards, Filter? filter, CancellationToken cancellationToken, bool confirmPrimary = false)
    {
        long count = 0;
        foreach (int shard in shards)
        {
            count += (await ReadableAsync(collection, incarnation, shard, confirmPrimary, cancellationToken).ConfigureAwait(false)).Count(filter);
        }

        return count;
    }

    /// <summary>Seals each listed shard's mutable segment and builds its index.</summary>
    public async Task CheckpointAsync(string collection, long incarnation, IReadOnlyList<int> shards, CancellationToken cancellationToken)
    {
        foreach (int shard in shards)
        {
            (await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false)).Collection.Checkpoint();
        }
    }

    /// <summary>Up to the request's limit of points from its offset on, in id order, over the listed shards.</summary>
    public async Task<IReadOnlyList<PointRecord>> ScrollAsync(string collection, long incarnation, IReadOnlyList<int> shards, ScrollRequest request, CancellationToken cancellationToken,
        bool confirmPrimary = false)
    {
        var parts = new List<IReadOnlyList<PointRecord>>(shards.Count);
        foreach (int shard in shards)
        {
            parts.Add((await ReadableAsync(collection, incarnation, shard, confirmPrimary, cancellationToken).ConfigureAwait(false)).Scroll(request).Points);
        }

        return ResultMerge.ById(parts, request.Limit);
    }

    /// <summary>Entries from the shard's primary for the copy here.</summary>
    public async Task<ReplicateReply> ReplicateAsync(ReplicateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ShardIdentity shard = ShardIdentity.FromWire(request.Shard);
        ShardReplica local = await ResolveAsync(shard.Collection, shard.Incarnation, shard.Shard, cancellationToken).ConfigureAwait(false);
        return await local.ReplicateAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A coordinator's fence for the copy here.</summary>
    public async Task<FenceReply> FenceAsync(FenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ShardIdentity shard = ShardIdentity.FromWire(request.Shard);
        ShardReplica local = await ResolveAsync(shard.Collection, shard.Incarnation, shard.Shard, cancellationToken).ConfigureAwait(false);
        return await local.FenceAsync((long)request.Epoch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The progress of the copy here.</summary>
    public async Task<CopyStatusReply> CopyStatusAsync(CopyStatusRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ShardIdentity shard = ShardIdentity.FromWire(request.Shard);
        return (await ResolveAsync(shard.Collection, shard.Incarnation, shard.Shard, cancellationToken).ConfigureAwait(false)).Status();
    }

    /// <summary>A primary's snapshot for the copy here (<paramref name="header"/> is the first chunk).</summary>
    public async Task<ReplicateReply> InstallSnapshotAsync(SnapshotChunk header, IAsyncEnumerable<SnapshotChunk> rest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ShardIdentity shard = ShardIdentity.FromWire(header.Shard);
        ShardReplica local = await ResolveAsync(shard.Collection, shard.Incarnation, shard.Shard, cancellationToken).ConfigureAwait(false);
        return await local.InstallSnapshotAsync(header, rest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the local copies match the cluster: creates the shards assigned here that are missing and gives every copy
    /// the role the map names (primary when the map names this node bound to this process's lease, else replica);
    /// drops shards of an incarnation older than the one the cluster holds now (the name was dropped and created again)
    /// and of a collection this process saw dropped. Shards of a collection it never saw (an empty etcd prefix, another
    /// cluster's) are kept and reported in <see cref="Orphans"/>: data is never deleted on an absence alone.
    /// Returns (created, dropped).
    /// </summary>
    public async Task<(int Created, int Dropped)> ReconcileAsync()
    {
        int created = 0, dropped = 0;
        IReadOnlyDictionary<string, ClusterCollection> collections = _cluster.Collections;
        foreach (ShardReplica replica in Replicas)
        {
            if (collections.TryGetValue(replica.Shard.Collection, out ClusterCollection? definition) && definition.Incarnation == replica.Shard.Incarnation
                && replica.Shard.Shard < definition.Map.Shards.Count)
            {
                SyncRole(replica, definition, replica.Shard.Shard);
            }
        }

        _seen.UnionWith(collections.Keys);
        foreach (ClusterCollection collection in collections.Values)
        {
            foreach (Placement.ShardAssignment shard in collection.Map.Shards)
            {
                if (HoldsCopy(shard))
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

            bool drop;
            if (collections.TryGetValue(name, out ClusterCollection? current))
            {
                // Older: that incarnation was dropped. Newer: created on demand from etcd before this view caught up; kept.
                // The current one: dropped once the map no longer places a copy here (a move's flip took it elsewhere).
                drop = incarnation < current.Incarnation
                    || (incarnation == current.Incarnation && ShardNames.TryParse(local, out _, out _, out int shard)
                        && shard < current.Map.Shards.Count && !HoldsCopy(current.Map.Shards[shard]));
            }
            else
            {
                drop = _seen.Contains(name);
                if (!drop)
                {
                    orphans.Add(local);
                }
            }

            if (drop)
            {
                await DropLocalAsync(local).ConfigureAwait(false);
                dropped++;
            }
        }

        Orphans = orphans;
        return (created, dropped);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ShardReplica[] replicas;
        lock (_creating)
        {
            replicas = _replicas.Values.ToArray();
            _replicas.Clear();
        }

        foreach (ShardReplica replica in replicas)
        {
            await replica.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task DropLocalAsync(string local)
    {
        _logger.LogWarning("Dropping the local copy {Local}: the cluster no longer places it on this node", local);
        ShardReplica? replica;
        lock (_creating)
        {
            _replicas.TryRemove(local, out replica);
        }

        if (replica is not null)
        {
            await replica.DisposeAsync().ConfigureAwait(false);
        }

        _database.DropCollection(local);
        string logs = LogDirectory(local);
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    private async Task<ShardReplica> ResolveAsync(string collection, long incarnation, int shard, CancellationToken cancellationToken)
    {
        if (_replicas.TryGetValue(ShardNames.Local(collection, incarnation, shard), out ShardReplica? known))
        {
            return known;
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

        if (shard < 0 || shard >= definition.Map.Shards.Count || !HoldsCopy(definition.Map.Shards[shard]))
        {
            throw new ShardNotHereException(collection, shard, _cluster.Self.NodeId);
        }

        return EnsureLocal(definition, shard, out _);
    }

    private ShardReplica EnsureLocal(ClusterCollection definition, int shard, out bool created)
    {
        string name = ShardNames.Local(definition.Name, definition.Incarnation, shard);
        ShardReplica? replica;
        lock (_creating)
        {
            created = false;
            if (!_replicas.TryGetValue(name, out replica))
            {
                if (!_database.TryGetCollection(name, out Collection? collection))
                {
                    created = true;
                    collection = _database.CreateCollection(name, definition.Options);
                }

                ShardLog log = ShardLog.Open(_database.Options.FileSystem, LogDirectory(name));
                replica = new ShardReplica(new ShardIdentity(definition.Name, definition.Incarnation, shard), collection!, log,
                    () => Recreate(name, definition.Options), _transport, _options, _cluster.Self.NodeId, _logger);
                _replicas[name] = replica;
            }
        }

        SyncRole(replica, definition, shard);
        return replica;
    }

    /// <summary>The copy's collection for a read: as the confirmed primary for a majority read, else if caught up.</summary>
    private async Task<Collection> ReadableAsync(string collection, long incarnation, int shard, bool confirmPrimary, CancellationToken cancellationToken)
    {
        ShardReplica replica = await ResolveAsync(collection, incarnation, shard, cancellationToken).ConfigureAwait(false);
        return confirmPrimary ? await replica.ConfirmPrimaryAsync(cancellationToken).ConfigureAwait(false) : replica.ForReads();
    }

    private bool HoldsCopy(Placement.ShardAssignment shard) => shard.Nodes.Contains(_cluster.Self.NodeId) || shard.Learners.Contains(_cluster.Self.NodeId);

    /// <summary>Primary when the map names this node bound to this process's lease; otherwise a replica.</summary>
    private void SyncRole(ShardReplica replica, ClusterCollection definition, int shard)
    {
        Placement.ShardAssignment assignment = definition.Map.Shards[shard];
        long lease = _cluster.LeaseId;
        if (assignment.Primary == _cluster.Self.NodeId && lease != 0 && assignment.PrimaryLease == lease)
        {
            replica.BecomePrimary(assignment.Epoch, assignment.Replicas.ToArray(), definition.Replication.WriteConsistency, assignment.Learners);
        }
        else if (replica.IsPrimary)
        {
            replica.StepDown(assignment.Primary == _cluster.Self.NodeId ? "this process is not the one the map bound" : $"the map names {assignment.Primary}");
        }
    }

    private Collection Recreate(string name, CollectionOptions options)
    {
        lock (_creating)
        {
            if (_database.TryGetCollection(name, out _))
            {
                _database.DropCollection(name);
            }

            return _database.CreateCollection(name, options);
        }
    }

    private string LogDirectory(string local) => Path.Combine(_database.Path, LogsFolder, local);
}
