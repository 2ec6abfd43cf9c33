using System.Collections.Immutable;
using dotnet_etcd;
using Microsoft.Extensions.Logging;
using Mvccpb;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// This process as a member of a cluster: registered in etcd under a kept-alive lease, campaigning for coordinator,
/// and holding live copies of the member set and of every collection's definition and shard map (kept current by
/// etcd watches). Routing reads <see cref="Members"/> and <see cref="Collections"/>; they are swapped whole on every
/// change, so a reader never sees half of one.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly EtcdKeys _keys;
    private readonly CollectionCatalog _catalog;
    private readonly MemberRegistration _registration;
    private readonly CoordinatorElection _election;
    private readonly PrefixWatch _memberWatch;
    private readonly PrefixWatch _collectionWatch;
    private readonly ILogger _logger;
    private int _stopped;
    private ImmutableDictionary<string, ClusterMember> _members = ImmutableDictionary<string, ClusterMember>.Empty;
    private ImmutableDictionary<string, ClusterCollection> _collections = ImmutableDictionary<string, ClusterCollection>.Empty;

    private ClusterNode(ClusterOptions options, ClusterMember self, ILogger logger)
    {
        _logger = logger;
        _keys = new EtcdKeys(options.ClusterName);
        Self = self;
        // HTTP/2 pings find a connection that died without a reset (a partition, a host gone): a watch on it would
        // otherwise wait forever, and this node's view of the cluster would stop changing.
        _etcd = new EtcdClient(options.Etcd, configureChannelOptions: channel => channel.HttpHandler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(2),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(2),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        });
        var connection = _etcd.GetConnection();
        _catalog = new CollectionCatalog(connection.KVClient, _keys);
        _registration = new MemberRegistration(connection.KVClient, connection.LeaseClient, _keys, self, options.LeaseTtlSeconds, logger);
        _election = new CoordinatorElection(connection.ElectionClient, _registration, _keys, self.NodeId, logger);
        _memberWatch = new PrefixWatch(connection.KVClient, connection.WatchClient, _keys.Nodes, OnMembers, logger);
        _collectionWatch = new PrefixWatch(connection.KVClient, connection.WatchClient, _keys.Collections, OnCollections, logger);
    }

    /// <summary>This node's registration.</summary>
    public ClusterMember Self { get; }

    /// <summary>The etcd lease this node's registration hangs on (0 while re-registering).</summary>
    internal long LeaseId => _registration.LeaseId;

    /// <summary>The live nodes by id (this one included once it has joined).</summary>
    public IReadOnlyDictionary<string, ClusterMember> Members => _members;

    /// <summary>Every collection of the cluster by name.</summary>
    public IReadOnlyDictionary<string, ClusterCollection> Collections => _collections;

    /// <summary>True while this node is the cluster's coordinator.</summary>
    public bool IsCoordinator => _election.IsCoordinator;

    /// <summary>Raised after <see cref="Members"/> changed.</summary>
    public event Action? MembersChanged;

    /// <summary>Raised after <see cref="Collections"/> changed.</summary>
    public event Action? CollectionsChanged;

    /// <summary>Raised when this node becomes (true) or stops being (false) the coordinator.</summary>
    public event Action<bool>? CoordinatorChanged
    {
        add => _election.CoordinatorChanged += value;
        remove => _election.CoordinatorChanged -= value;
    }

    /// <summary>
    /// Joins the cluster: registers this node, loads and starts following the member set and the collections, and
    /// starts campaigning for coordinator.
    /// </summary>
    /// <param name="options">Where etcd is and who this node is (validated here).</param>
    /// <param name="instanceId">The identity of this node's data directory (see <see cref="ClusterMember.InstanceId"/>).</param>
    /// <param name="logger">Where membership changes are logged.</param>
    /// <param name="cancellationToken">Abandons the join.</param>
    /// <exception cref="NodeIdTakenException">Another live node holds this id.</exception>
    public static async Task<ClusterNode> JoinAsync(ClusterOptions options, string instanceId, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            throw new InvalidOperationException("No etcd endpoint configured (--cluster-etcd).");
        }

        var node = new ClusterNode(options, new ClusterMember(options.NodeId, options.Advertise, instanceId), logger);
        try
        {
            await node._registration.JoinAsync(cancellationToken).ConfigureAwait(false);
            await node._memberWatch.StartAsync(cancellationToken).ConfigureAwait(false);
            await node._collectionWatch.StartAsync(cancellationToken).ConfigureAwait(false);
            node._election.Start();
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The current coordinator's node id, or null while there is none.</summary>
    public Task<string?> CoordinatorAsync(CancellationToken cancellationToken) => _election.CurrentAsync(cancellationToken);

    /// <summary>
    /// Creates a collection across the live nodes: places its shards (bounded-load consistent hashing) and stores the
    /// definition with a transaction that fails if the name exists.
    /// </summary>
    /// <param name="name">The collection's name.</param>
    /// <param name="options">Options for every shard.</param>
    /// <param name="shardNumber">Shards, 1 to 1,024; null for one per live node.</param>
    /// <param name="shardKey">The payload field that picks a point's shard, or null to shard by point id.</param>
    /// <param name="cancellationToken">Abandons the call (the create may still have happened).</param>
    /// <param name="replicationFactor">Copies per shard; null for 2 when two or more nodes are live, else 1.</param>
    /// <param name="writeConsistency">Copies a write needs before it is acknowledged; null for a majority.</param>
    /// <exception cref="CollectionAlreadyExistsException">The name is taken.</exception>
    /// <exception cref="VectorEngineArgumentException">A shard number, replication factor or write consistency out of range, or bad options.</exception>
    public async Task<ClusterCollection> CreateCollectionAsync(string name, CollectionOptions options, int? shardNumber, string? shardKey, CancellationToken cancellationToken,
        int? replicationFactor = null, int? writeConsistency = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Routing.ShardNames.Validate(name);
        int shards = shardNumber ?? Math.Max(1, _members.Count);
        if (shards is < 1 or > ShardPlacement.MaxShards)
        {
            throw new VectorEngineArgumentException($"shard_number must be 1 to {ShardPlacement.MaxShards}; got {shards}.", "shard_number");
        }

        if (shardKey is { Length: 0 })
        {
            throw new VectorEngineArgumentException("shard_key names a payload field; leave it unset to shard by point id.", "shard_key");
        }

        ImmutableDictionary<string, ClusterMember> members = _members;
        ReplicationSettings replication = ReplicationSettings.Resolve(replicationFactor, writeConsistency, members.Count);

        // Each primary is bound at once to the process that holds it now, so writes need no promotion round first.
        IReadOnlyList<ShardAssignment> placement = ShardPlacement.Assign(name, shards, members.Keys.ToArray(), replication.Factor)
            .Select(s => s with { PrimaryLease = members.TryGetValue(s.Primary, out ClusterMember? primary) ? primary.Lease : 0 })
            .ToArray();
        var collection = new ClusterCollection(options, new ShardMap(name, 0, placement, shardKey), 0, replication);
        ClusterCollection stored = await _catalog.CreateAsync(collection, cancellationToken).ConfigureAwait(false);

        // This node answers for it at once, not only once its watch delivers it (the next snapshot has it too).
        ImmutableInterlocked.Update(ref _collections, view => view.TryGetValue(name, out ClusterCollection? seen) && seen.Map.Version >= stored.Map.Version ? view : view.SetItem(name, stored));
        CollectionsChanged?.Invoke();
        _logger.LogInformation("Collection {Collection} created with {Shards} shards", name, shards);
        return stored;
    }

    /// <summary>A collection as stored in etcd now (for a node whose watch has not delivered it yet), or null.</summary>
    public Task<ClusterCollection?> ReadCollectionAsync(string name, CancellationToken cancellationToken) => _catalog.GetAsync(name, cancellationToken);

    /// <summary>A fault for tests: this node's view of the collections lags etcd until the handle is disposed.</summary>
    internal IDisposable HoldCollectionView() => _collectionWatch.Hold();

    /// <summary>
    /// Brings this node's view up to a collection read from etcd a moment ago, ahead of its watch: the newer incarnation
    /// or map version replaces the one seen; an absence removes the entry only if it is no newer than the incarnation
    /// the reader had routed with (a create the watch delivered since is kept).
    /// </summary>
    internal void Observe(string name, long routedIncarnation, ClusterCollection? stored)
    {
        bool changed = false;
        ImmutableInterlocked.Update(ref _collections, view =>
        {
            changed = false;
            bool known = view.TryGetValue(name, out ClusterCollection? seen);
            if (stored is null)
            {
                changed = known && seen!.Incarnation <= routedIncarnation;
                return changed ? view.Remove(name) : view;
            }

            changed = !known || seen!.Incarnation < stored.Incarnation || (seen.Incarnation == stored.Incarnation && seen.Map.Version < stored.Map.Version);
            return changed ? view.SetItem(name, stored) : view;
        });
        if (changed)
        {
            CollectionsChanged?.Invoke();
        }
    }

    /// <summary>
    /// Replaces a collection's shard assignments (a promotion, a move) if it is still at the version it was read at;
    /// null when another change came first. This node's view has the change at once.
    /// </summary>
    internal async Task<ClusterCollection?> TryUpdateShardsAsync(ClusterCollection read, IReadOnlyList<ShardAssignment> shards, CancellationToken cancellationToken)
    {
        ClusterCollection? stored = await _catalog.TryUpdateAsync(read, shards, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            ImmutableInterlocked.Update(ref _collections, view => view.TryGetValue(stored.Name, out ClusterCollection? seen) && seen.Map.Version >= stored.Map.Version ? view : view.SetItem(stored.Name, stored));
            CollectionsChanged?.Invoke();
        }

        return stored;
    }

    /// <summary>Removes a collection from the cluster; false when there was none.</summary>
    public async Task<bool> DropCollectionAsync(string name, CancellationToken cancellationToken)
    {
        bool dropped = await _catalog.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        if (dropped)
        {
            // This node stops serving it at once, not only once its watch delivers the drop.
            ImmutableInterlocked.Update(ref _collections, view => view.Remove(name));
            CollectionsChanged?.Invoke();
        }

        return dropped;
    }

    /// <summary>Leaves the cluster: stops campaigning and watching, and revokes the lease (the node leaves the live set now).</summary>
    public ValueTask DisposeAsync() => StopAsync(revoke: true);

    /// <summary>
    /// Stops every loop without revoking the lease: to etcd the node went silent, as a killed process does, and it
    /// leaves the live set (and the coordinator's office) when the lease expires.
    /// </summary>
    internal ValueTask AbandonAsync() => StopAsync(revoke: false);

    private async ValueTask StopAsync(bool revoke)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _election.DisposeAsync().ConfigureAwait(false);
        await _memberWatch.DisposeAsync().ConfigureAwait(false);
        await _collectionWatch.DisposeAsync().ConfigureAwait(false);
        await _registration.StopAsync(revoke).ConfigureAwait(false);
        _etcd.Dispose();
    }

    private void OnMembers(IReadOnlyDictionary<string, KeyValue> kvs)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, ClusterMember>(StringComparer.Ordinal);
        foreach (KeyValue kv in kvs.Values)
        {
            try
            {
                ClusterMember member = ClusterMember.FromJson(kv.Value.Span) with { Lease = kv.Lease };
                builder[member.NodeId] = member;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
            {
                // One unreadable record (another version, a hand edit) must not stop the whole view from updating.
                _logger.LogError(e, "Member record {Key} is unreadable; that node is not routed to", kv.Key.ToStringUtf8());
            }
        }

        _members = builder.ToImmutable();
        MembersChanged?.Invoke();
    }

    private void OnCollections(IReadOnlyDictionary<string, KeyValue> kvs)
    {
        var parsed = new List<ClusterCollection>(kvs.Count);
        foreach (KeyValue kv in kvs.Values)
        {
            try
            {
                parsed.Add(_catalog.Parse(kv));
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or ArgumentException)
            {
                _logger.LogError(e, "Collection record {Key} is unreadable; it is not served", kv.Key.ToStringUtf8());
            }
        }

        // Swapped in with a compare-and-swap, never backwards: a change this node stored or read itself (a promotion, a
        // move, a name created again) may be newer than the watch's event, and may land while this runs.
        ImmutableInterlocked.Update(ref _collections, view =>
        {
            var builder = ImmutableDictionary.CreateBuilder<string, ClusterCollection>(StringComparer.Ordinal);
            foreach (ClusterCollection collection in parsed)
            {
                builder[collection.Name] = view.TryGetValue(collection.Name, out ClusterCollection? seen)
                    && (seen.Incarnation > collection.Incarnation || (seen.Incarnation == collection.Incarnation && seen.Map.Version > collection.Map.Version)) ? seen : collection;
            }

            return builder.ToImmutable();
        });
        CollectionsChanged?.Invoke();
    }
}
